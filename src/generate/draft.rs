//! A line of a generated village-year before it is dated into the books: what the ordinary
//! lines, the standing payments (`schedule`) and the plants (`plants`) are drafted as, before
//! `village` sorts them and gives them voucher numbers.

use std::borrow::Cow;

use chrono::NaiveDate;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::draw::new_id;
use super::templates::Template;

/// A line before its voucher number; `order` keeps same-day lines in creation order.
pub struct Draft<'a> {
    pub id: String,
    pub on: NaiveDate,
    pub order: usize,
    pub template: &'static Template,
    pub description: &'static str,
    pub amount_fen: i64,
    pub counterparty: Cow<'a, str>,
    pub project: Option<&'static str>,
    pub tender_ref: Option<String>,
    pub reverses: Option<String>,
    pub reason: Option<&'static str>,
    /// Days from occurring to posting, when not the usual 0–3.
    pub posted_after: Option<i64>,
    /// The planted irregularity this line is part of (index into the year's plants).
    pub plant: Option<usize>,
    /// Standing payments, plants and their originals: never copied, reversed or altered.
    pub fixed: bool,
}

/// A year's drafts in creation order.
#[derive(Default)]
pub struct Drafts<'a> {
    pub list: Vec<Draft<'a>>,
}

impl<'a> Drafts<'a> {
    pub fn push(
        &mut self,
        rng: &mut ChaCha8Rng,
        t: &'static Template,
        on: NaiveDate,
        fen: i64,
        who: Cow<'a, str>,
    ) -> &mut Draft<'a> {
        let order = self.list.len();
        self.list.push(Draft {
            id: new_id(rng),
            on,
            order,
            template: t,
            description: t.descriptions.choose(rng).copied().unwrap_or("其他"),
            amount_fen: fen,
            counterparty: who,
            project: t.project,
            tender_ref: None,
            reverses: None,
            reason: None,
            posted_after: None,
            plant: None,
            fixed: false,
        });
        self.last()
    }

    /// The line pushed last (a year's drafts always start with one).
    pub fn last(&mut self) -> &mut Draft<'a> {
        let last = self.list.len().saturating_sub(1);
        &mut self.list[last]
    }
}

//! The texts people read, in their language: one Fluent catalogue (`zh-CN/*.ftl`, `en/*.ftl`
//! beside this file) with Simplified Chinese as the default and English on request.
//!
//! Code never holds a sentence: it names a message and its arguments ([`Msg`], built with
//! [`msg!`](crate::msg)), and the text is rendered in the language of the moment ([`current`]):
//! the request's `Accept-Language` inside the API (set by its language middleware, carried into
//! blocking database work by [`with`]), `VL_LANG`/`LANG` for a CLI run. Money is an [`Arg::Money`]
//! of integer fen, rendered by the one yuan formatter ([`yuan`])
//! into a string before the catalogue sees it: no float ever touches money. Dates are rendered
//! as 2024年5月14日 in Chinese and ISO 8601 in English. Server logs stay English and never go
//! through the catalogue. `GLOSSARY.md` fixes the Chinese terms.

mod catalogue;

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// A language the catalogue speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// Simplified Chinese, the default.
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The language tag for `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language of one language range (`zh`, `zh-CN`, `zh-Hans`, `en-GB`, …), if spoken.
    fn of_range(range: &str) -> Option<Lang> {
        let primary = range.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("zh") {
            Some(Lang::Zh)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language an `Accept-Language` header asks for (RFC 9110 §12.5.4): the spoken
    /// language of the highest weight, the first listed among equals; Chinese when none is
    /// spoken or the header is absent or malformed. Bounded: at most 32 ranges are read.
    pub fn negotiate(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::Zh;
        };
        let mut best: Option<(u16, Lang)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or("").trim();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .map_or(Some(1000), parse_weight);
            let (Some(weight), Some(lang)) = (weight, Lang::of_range(range)) else {
                continue;
            };
            if weight > 0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::Zh, |(_, lang)| lang)
    }

    /// The language of a CLI run: `VL_LANG` first, then the locale variables in POSIX order
    /// (`LC_ALL`, `LC_MESSAGES`, `LANG`). `C`/`POSIX` and English locales give English; a
    /// Chinese locale, or no setting at all, gives Chinese.
    pub fn from_env() -> Lang {
        Lang::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Lang {
        for name in ["VL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
            let Some(value) = var(name).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            let locale = value.split(['.', '@']).next().unwrap_or("");
            if locale.eq_ignore_ascii_case("C") || locale.eq_ignore_ascii_case("POSIX") {
                return Lang::En;
            }
            return Lang::of_range(locale).unwrap_or(Lang::Zh);
        }
        Lang::Zh
    }
}

/// A `q` value in thousandths; `None` when it is not one.
fn parse_weight(q: &str) -> Option<u16> {
    let q = q.trim();
    let (whole, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac: u16 = format!("{frac:0<3}").parse().ok()?;
    match whole {
        "0" => Some(frac),
        "1" if frac == 0 => Some(1000),
        _ => None,
    }
}

tokio::task_local! {
    static CURRENT: Lang;
}

static PROCESS: std::sync::OnceLock<Lang> = std::sync::OnceLock::new();

/// Sets the language of everything rendered outside a request (a CLI run), once.
pub fn set_process_language(lang: Lang) {
    let _ = PROCESS.set(lang);
}

/// The language texts are rendered in now: the request's, else the process's, else Chinese.
pub fn current() -> Lang {
    CURRENT
        .try_with(|lang| *lang)
        .unwrap_or_else(|_| PROCESS.get().copied().unwrap_or(Lang::Zh))
}

/// Runs `fut` with `lang` as the current language (each poll sees it, whatever else the
/// thread runs in between).
pub async fn scope<F: Future>(lang: Lang, fut: F) -> F::Output {
    CURRENT.scope(lang, fut).await
}

/// Runs `f` with `lang` as the current language: for work handed to a blocking thread.
pub fn with<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    CURRENT.sync_scope(lang, f)
}

/// One argument of a message.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Arg {
    Text(String),
    /// A count or other plain integer; the catalogue may choose a plural form by it.
    Int(i64),
    /// An amount in fen, rendered as grouped yuan with two decimals (`3,860.00`); the
    /// catalogue adds 元 or yuan.
    Money(i64),
    Date(NaiveDate),
    /// A month of a year (a period of the books).
    Month {
        year: i32,
        month: u32,
    },
    /// A message inside a message (a reason inside a refusal).
    Msg(Box<Msg>),
    /// Messages listed one after the other (`；` in Chinese, `; ` in English).
    List(Vec<Msg>),
}

/// An amount in fen, as a message argument.
pub fn money(fen: i64) -> Arg {
    Arg::Money(fen)
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Text(s.clone())
    }
}
impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}
impl From<std::borrow::Cow<'_, str>> for Arg {
    fn from(s: std::borrow::Cow<'_, str>) -> Self {
        Arg::Text(s.into_owned())
    }
}
macro_rules! int_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_args!(i32, i64, i128, u8, u16, u32, u64, usize);
impl From<NaiveDate> for Arg {
    fn from(d: NaiveDate) -> Self {
        Arg::Date(d)
    }
}
impl From<Vec<Msg>> for Arg {
    fn from(list: Vec<Msg>) -> Self {
        Arg::List(list)
    }
}
impl From<Msg> for Arg {
    fn from(m: Msg) -> Self {
        Arg::Msg(Box::new(m))
    }
}

/// A message of the catalogue with its arguments; rendered in the current language when it is
/// displayed or serialized. Messages compare by key and arguments, whatever the language.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Msg {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Msg {
    pub fn new(key: &'static str, args: Vec<(&'static str, Arg)>) -> Msg {
        Msg { key, args }
    }

    pub fn key(&self) -> &'static str {
        self.key
    }

    pub fn args(&self) -> &[(&'static str, Arg)] {
        &self.args
    }

    /// The bytes held by the message's arguments, for accounting the memory of kept messages.
    pub fn arg_bytes(&self) -> usize {
        self.args
            .iter()
            .map(|(_, arg)| match arg {
                Arg::Text(s) => s.len(),
                Arg::Msg(m) => m.arg_bytes() + size_of::<Msg>(),
                Arg::List(list) => list.iter().map(|m| m.arg_bytes() + size_of::<Msg>()).sum(),
                _ => 0,
            })
            .sum::<usize>()
            + self.args.len() * size_of::<(&str, Arg)>()
    }

    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::new();
        catalogue::render_into(&mut out, lang, self);
        out
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(current()))
    }
}

impl serde::Serialize for Msg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.render(current()))
    }
}

/// A date as people of `lang` write it.
pub fn date_text(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Lang::En => date.format("%Y-%m-%d").to_string(),
    }
}

fn month_text(year: i32, month: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{year}年{month}月"),
        Lang::En => format!("{year:04}-{month:02}"),
    }
}

/// Yuan with two decimals and the whole yuan grouped by thousands (`3,860.00`), from fen: the
/// one formatter of amounts people read. Integer arithmetic only.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut out = String::with_capacity(whole.len() + whole.len() / 3 + 4);
    out.push_str(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out.push('.');
    out.push_str(&format!("{:02}", abs % 100));
    out
}

/// `msg!("key", name = value, …)`: a [`Msg`] of the catalogue. Every value converts into an
/// [`Arg`]; amounts in fen go through [`money`]. The catalogue test reads these invocations to
/// check that every key exists in both languages and every argument is used.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::Msg::new($key, vec![$((stringify!($name), $crate::i18n::Arg::from($value))),*])
    };
}

#[cfg(test)]
mod tests;

//! What an inspection group brings: findings (巡察发现), from a JSON body or a spreadsheet, and
//! the tolerances a reconciliation runs with. Each default is documented on its field and in
//! the OpenAPI document; every one can be set per request.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::crosscheck::error::{CrosscheckError, FindingError, ToleranceError};
use crate::domain::BoundedText;
use crate::domain::Direction;

pub const MAX_REF_CHARS: usize = 64;
pub const MAX_TEXT_CHARS: usize = 500;
/// Parts a split payment may be found in, at most (`max_split_parts`).
pub const MAX_SPLIT_PARTS: usize = 5;

/// One finding as sent in JSON.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "ref": "F-07",
    "date": "2024-08-16",
    "amount_fen": 1000000,
    "counterparty": "叶某某",
    "description": "困难户住房救助"
}))]
pub struct FindingInput {
    /// The inspection group's own reference, returned with the result (1–64 characters).
    #[serde(rename = "ref")]
    #[schema(min_length = 1, max_length = 64)]
    pub reference: String,
    /// The date the money moved, as found.
    pub date: NaiveDate,
    /// The amount found, in fen (positive).
    #[serde(deserialize_with = "crate::domain::deserialize_fen")]
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub amount_fen: i64,
    /// Who was paid (or paid), as found; compared after normalisation.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub counterparty: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// The voucher number, when the finding names one: strong evidence.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub voucher_no: Option<String>,
    /// The invoice number, when the finding names one: strong evidence.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub invoice_number: Option<String>,
    /// Only entries of this direction fit (default: either).
    #[serde(default)]
    pub direction: Option<Direction>,
}

/// A finding that passed every check.
#[derive(Clone, Debug)]
pub struct Finding {
    pub reference: String,
    /// The spreadsheet row it came from, if it came from one.
    pub row: Option<usize>,
    pub date: NaiveDate,
    pub amount_fen: i64,
    pub counterparty: Option<String>,
    pub description: Option<String>,
    pub voucher_no: Option<String>,
    pub invoice_number: Option<String>,
    pub direction: Option<Direction>,
}

fn bounded(field: &'static str, value: &str, max: usize) -> Result<String, FindingError> {
    BoundedText::parse(field, value, max)
        .map(BoundedText::into_string)
        .map_err(|reason| FindingError::InvalidValue { reason })
}

fn optional(field: &'static str, value: Option<String>, max: usize) -> Result<Option<String>, FindingError> {
    match value {
        Some(v) if !v.trim().is_empty() => bounded(field, &v, max).map(Some),
        _ => Ok(None),
    }
}

/// Checks every finding of a request, naming the first bad one by index and ref.
pub fn check_findings(inputs: Vec<FindingInput>, max: usize) -> Result<Vec<Finding>, CrosscheckError> {
    if inputs.len() > max {
        return Err(CrosscheckError::TooManyFindings {
            count: inputs.len(),
            max,
        });
    }
    inputs
        .into_iter()
        .enumerate()
        .map(|(index, f)| {
            let reference = crate::domain::truncate(&f.reference);
            f.validate().map_err(|source| CrosscheckError::InvalidFinding {
                index,
                reference,
                source,
            })
        })
        .collect()
}

impl FindingInput {
    /// Checks one finding; the error names the field (the caller adds which finding).
    pub fn validate(self) -> Result<Finding, FindingError> {
        if !(1..=10_000_000_000_000).contains(&self.amount_fen) {
            return Err(FindingError::AmountOutOfRange {
                amount_fen: self.amount_fen,
            });
        }
        crate::domain::check_ledger_date(self.date).map_err(|reason| FindingError::InvalidValue { reason })?;
        Ok(Finding {
            reference: bounded("ref", &self.reference, MAX_REF_CHARS)?,
            row: None,
            date: self.date,
            amount_fen: self.amount_fen,
            counterparty: optional("counterparty", self.counterparty, MAX_TEXT_CHARS)?,
            description: optional("description", self.description, MAX_TEXT_CHARS)?,
            voucher_no: optional("voucher_no", self.voucher_no, MAX_REF_CHARS)?,
            invoice_number: optional("invoice_number", self.invoice_number, MAX_REF_CHARS)?,
            direction: self.direction,
        })
    }
}

/// The findings of a sheet's rows, each checked like a JSON finding; a row that fails its check
/// joins the sheet's `row_errors` (data in the answer, not a refusal), and they are listed by row.
pub fn sheet_findings(
    rows: Vec<crate::crosscheck::sheet::SheetFinding>,
    mut row_errors: Vec<crate::crosscheck::sheet::RowError>,
) -> (Vec<Finding>, Vec<crate::crosscheck::sheet::RowError>) {
    let mut findings = Vec::new();
    for row in rows {
        let n = row.row;
        match FindingInput::from(row).validate() {
            Ok(mut f) => {
                f.row = Some(n);
                findings.push(f);
            }
            Err(e) => row_errors.push(crate::crosscheck::sheet::RowError {
                row: n,
                column: None,
                code: e.code(),
                message: e.msg(),
            }),
        }
    }
    row_errors.sort_by_key(|e| e.row);
    (findings, row_errors)
}

impl From<crate::crosscheck::sheet::SheetFinding> for FindingInput {
    fn from(s: crate::crosscheck::sheet::SheetFinding) -> Self {
        FindingInput {
            reference: s.r#ref,
            date: s.date,
            amount_fen: s.amount_fen,
            counterparty: s.counterparty,
            description: s.description,
            voucher_no: s.voucher_no,
            invoice_number: s.invoice_number,
            direction: None,
        }
    }
}

/// How close a ledger entry must be to a finding.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Tolerances {
    /// Days either side of the finding's date an entry may be and still match (default 14).
    pub date_window_days: i64,
    /// The smallest amount tolerance, in fen (default 200: 2 yuan).
    pub amount_tolerance_fen: i64,
    /// The amount tolerance as a share of the finding's amount, in basis points (default 100:
    /// 1 %); the larger of the two applies.
    pub amount_tolerance_bp: i64,
    /// Counterparty names this similar (0–1, after normalisation) are the same (default 0.8).
    pub name_similarity: f64,
    /// How far (days) an entry with the right amount and counterparty may be and still count
    /// as the finding's payment with a wrong date (default 90).
    pub date_search_days: i64,
    /// Most entries a split payment may be made of (2–5, default 5).
    pub max_split_parts: usize,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            date_window_days: 14,
            amount_tolerance_fen: 200,
            amount_tolerance_bp: 100,
            name_similarity: 0.8,
            date_search_days: 90,
            max_split_parts: 5,
        }
    }
}

/// The tolerances a request asks for; each one left out takes its default.
#[derive(Clone, Copy, Debug, Default)]
pub struct ToleranceOptions {
    pub date_window_days: Option<i64>,
    pub amount_tolerance_fen: Option<i64>,
    /// Percent of the finding's amount (0–100).
    pub amount_tolerance_percent: Option<f64>,
    pub name_similarity: Option<f64>,
    /// Defaults to the larger of its default and the date window asked for.
    pub date_search_days: Option<i64>,
    pub max_split_parts: Option<i64>,
}

impl Tolerances {
    /// The tolerances `options` ask for, the defaults elsewhere, each checked against its range.
    pub fn from_options(options: ToleranceOptions) -> Result<Self, ToleranceError> {
        let d = Tolerances::default();
        Tolerances {
            date_window_days: options.date_window_days.unwrap_or(d.date_window_days),
            amount_tolerance_fen: options.amount_tolerance_fen.unwrap_or(d.amount_tolerance_fen),
            amount_tolerance_bp: match options.amount_tolerance_percent {
                // A tolerance, not money: the share is kept in whole basis points.
                Some(p) if (0.0..=100.0).contains(&p) => (p * 100.0).round() as i64,
                Some(value) => return Err(ToleranceError::PercentOutOfRange { value }),
                None => d.amount_tolerance_bp,
            },
            name_similarity: options.name_similarity.unwrap_or(d.name_similarity),
            date_search_days: options
                .date_search_days
                .unwrap_or(d.date_search_days.max(options.date_window_days.unwrap_or(0))),
            max_split_parts: usize::try_from(options.max_split_parts.unwrap_or(d.max_split_parts as i64)).unwrap_or(0),
        }
        .check()
    }

    /// The amount tolerance for a finding of `amount_fen`.
    pub fn amount_tolerance(&self, amount_fen: i64) -> i64 {
        let share = i128::from(amount_fen.abs()) * i128::from(self.amount_tolerance_bp) / 10_000;
        self.amount_tolerance_fen.max(i64::try_from(share).unwrap_or(i64::MAX))
    }

    /// Refuses values outside their documented ranges.
    pub fn check(self) -> Result<Self, ToleranceError> {
        let within = |name: &'static str, value: i64, min: i64, max: i64| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(ToleranceError::OutOfRange { name, min, max, value })
            }
        };
        within("date_window_days", self.date_window_days, 0, 366)?;
        within("amount_tolerance_fen", self.amount_tolerance_fen, 0, 100_000_000)?;
        within("amount_tolerance_bp", self.amount_tolerance_bp, 0, 10_000)?;
        within("date_search_days", self.date_search_days, 0, 3660)?;
        within(
            "max_split_parts",
            self.max_split_parts as i64,
            2,
            MAX_SPLIT_PARTS as i64,
        )?;
        if !(0.0..=1.0).contains(&self.name_similarity) {
            return Err(ToleranceError::SimilarityOutOfRange {
                value: self.name_similarity,
            });
        }
        if self.date_search_days < self.date_window_days {
            return Err(ToleranceError::SearchNarrowerThanWindow);
        }
        Ok(self)
    }
}

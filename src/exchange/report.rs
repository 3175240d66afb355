//! The report of an import: per problem its row, column, what is wrong and what was expected;
//! at most [`MAX_LISTED`] listed, the rest counted.

use serde::Serialize;

use super::columns::Field;
use crate::i18n::Msg;
use crate::msg;

/// Problems listed in one report; the rest are counted in `more_problems`.
pub const MAX_LISTED: usize = 1_000;

/// One thing wrong with the file or one of its rows.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ImportProblem {
    /// The row as a spreadsheet numbers it (the header is row 1); null for the file as a whole.
    pub row: Option<usize>,
    /// The column's header as the file spells it, if the problem is in one column.
    pub column: Option<String>,
    /// What is wrong, for programs (`amount-too-many-decimals`, `period-closed`, …); never changes
    /// with the language.
    #[schema(example = "amount-too-many-decimals")]
    pub code: &'static str,
    /// What is wrong, in the caller's language.
    #[schema(value_type = String)]
    pub message: Msg,
    /// What was expected there.
    #[schema(value_type = String)]
    pub expected: Msg,
    #[serde(skip)]
    pub field: Option<Field>,
}

impl ImportProblem {
    pub fn file(column: Option<String>, code: &'static str, message: Msg, expected: Msg) -> Self {
        ImportProblem {
            row: None,
            column,
            code,
            message,
            expected,
            field: None,
        }
    }

    pub fn cell(row: usize, column: Option<String>, field: Field, code: &'static str, message: Msg) -> Self {
        ImportProblem {
            row: Some(row),
            column,
            code,
            message,
            expected: expected_of(field),
            field: Some(field),
        }
    }

    /// A problem of the whole row against the ledger (a closed month, a taken voucher).
    pub fn row(row: usize, column: Option<String>, code: &'static str, message: Msg, expected: Msg) -> Self {
        ImportProblem {
            row: Some(row),
            column,
            code,
            message,
            expected,
            field: None,
        }
    }
}

/// What a column holds, for `expected`.
pub fn expected_of(field: Field) -> Msg {
    msg!("import-expected-field", field = field.key())
}

/// The problems of one import: the first [`MAX_LISTED`] kept, the rest counted.
#[derive(Debug, Default)]
pub struct Problems {
    pub listed: Vec<ImportProblem>,
    pub more: usize,
    file_level: bool,
}

impl Problems {
    pub fn push(&mut self, problem: ImportProblem) {
        self.file_level |= problem.row.is_none();
        if self.listed.len() < MAX_LISTED {
            self.listed.push(problem);
        } else {
            self.more += 1;
        }
    }

    /// Whether the file as a whole is refused (its header), so rows are not looked at.
    pub fn file_level(&self) -> bool {
        self.file_level
    }

    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }
}

/// What an import did, or would do (a dry run), or why it refused the file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "dry_run": false, "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "rows": 2, "created": 2, "existing": 0, "problems": [], "more_problems": 0
}))]
pub struct ImportReport {
    pub dry_run: bool,
    /// SHA-256 of the file as uploaded, hex.
    pub sha256: String,
    /// Data rows read (blank rows not counted).
    pub rows: usize,
    /// Entries written (or, in a dry run, that would be).
    pub created: usize,
    /// Rows already in the ledger with the same content (an import repeated adds nothing).
    pub existing: usize,
    /// At most 1,000; empty when the file was accepted.
    pub problems: Vec<ImportProblem>,
    /// Problems past the listed ones.
    pub more_problems: usize,
}

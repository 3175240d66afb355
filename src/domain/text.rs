//! Free text fields with a documented maximum length.

use super::codes::truncate;
use super::error::ValueError;

/// A trimmed, non-empty string of at most `max` characters without control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundedText(String);

impl BoundedText {
    pub fn parse(field: &'static str, value: &str, max: usize) -> Result<Self, ValueError> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(ValueError::Empty { field });
        }
        let count = trimmed.chars().count();
        if count > max {
            return Err(ValueError::TooLong { field, count, max });
        }
        // Control characters are refused wherever they stand, also where the trim would have
        // dropped them (a leading vertical tab): the document promises none anywhere.
        if value.chars().any(char::is_control) {
            return Err(ValueError::ControlCharacters {
                field,
                value: truncate(value),
            });
        }
        Ok(BoundedText(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

//! Free text fields with a documented maximum length.

use super::codes::truncate;

/// A trimmed, non-empty string of at most `max` characters without control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundedText(String);

impl BoundedText {
    pub fn parse(field: &str, value: &str, max: usize) -> Result<Self, String> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(format!("{field} must not be empty"));
        }
        let count = trimmed.chars().count();
        if count > max {
            return Err(format!("{field} is {count} characters long; at most {max} are allowed"));
        }
        // Control characters are refused wherever they stand, also where the trim would have
        // dropped them (a leading vertical tab): the document promises none anywhere.
        if value.chars().any(char::is_control) {
            return Err(format!(
                "{field} contains control characters: `{}`",
                truncate(value).escape_default()
            ));
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

//! The shared-strings table of a workbook: read as it is (its declared counts are ignored), every
//! string cut to a field's length, stored end to end under a count and a byte cap.

use quick_xml::events::Event;

use super::SheetError;
use super::archive::{Package, Step};
use super::cells::KeptText;
use super::xml::{decode_escapes, end_name, local_name, push_text};

/// Distinct strings in the shared-strings table; a findings list of 20,000 rows has at most a
/// few per row.
pub(super) const MAX_SHARED_STRINGS: usize = 500_000;
/// Bytes of shared-string text kept (each string already cut to a field's length).
pub(super) const MAX_SHARED_TEXT_BYTES: usize = 8 * 1024 * 1024;
/// The shared-strings table: every string cut to a field's length, stored end to end.
#[derive(Default)]
pub(super) struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = index
            .checked_sub(1)
            .map_or(Some(0), |before| self.ends.get(before).map(|e| *e as usize))?;
        self.text.get(start..end)
    }

    pub fn read(package: &mut Package<'_>, path: &str) -> Result<Self, SheetError> {
        let mut table = Self::default();
        // The item being read, and whether a text inside it (not a phonetic reading) is open.
        let (mut item, mut in_text, mut in_phonetic) = (None::<KeptText>, false, false);
        package.read_xml(path, |event| {
            match event {
                Event::Start(tag) => match local_name(tag) {
                    "si" => item = Some(KeptText::default()),
                    "t" => in_text = !in_phonetic,
                    "rPh" => in_phonetic = true,
                    _ => {}
                },
                Event::Empty(tag) if local_name(tag) == "si" => table.push("")?,
                Event::End(_) => match end_name(event) {
                    Some("si") => {
                        let text = item.take().map(KeptText::finish).unwrap_or_default();
                        table.push(&decode_escapes(&text))?;
                    }
                    Some("t") => in_text = false,
                    Some("rPh") => in_phonetic = false,
                    _ => {}
                },
                _ => {
                    if in_text && let Some(item) = item.as_mut() {
                        push_text(event, item)?;
                    }
                }
            }
            Ok(Step::Continue)
        })?;
        Ok(table)
    }

    fn push(&mut self, text: &str) -> Result<(), SheetError> {
        if self.ends.len() >= MAX_SHARED_STRINGS {
            return Err(SheetError::TooManyStrings {
                max_strings: MAX_SHARED_STRINGS,
            });
        }
        if self.text.len() + text.len() > MAX_SHARED_TEXT_BYTES {
            return Err(SheetError::TooMuchText {
                max_bytes: MAX_SHARED_TEXT_BYTES as u64,
            });
        }
        self.text.push_str(text);
        self.ends.push(self.text.len() as u32);
        Ok(())
    }
}

//! The zip container of an XLSX workbook, opened without trusting anything it declares.
//!
//! The end records are checked here before the zip reader sees them (a declared entry count is
//! exactly what a reader sizes its tables from); parts are inflated through a counter that stops
//! at the real, not the declared, size; and each part is handed out as XML events of bounded
//! size and depth, so no part can make the parser hold more than [`MAX_XML_EVENT_BYTES`].

use std::io::{self, BufRead, BufReader, Cursor, Read};

use quick_xml::events::Event;

use super::SheetError;

/// Parts in the archive; a findings workbook has a dozen, a workbook with many sheets and
/// pictures a few hundred.
pub(super) const MAX_ZIP_ENTRIES: usize = 1_000;
/// Bytes of the central directory (names, extra fields, comments of every part).
const MAX_CENTRAL_DIRECTORY_BYTES: u64 = 1024 * 1024;
/// Total bytes inflated from the parts that are read; a findings list is far below this, a zip
/// bomb far above.
pub(super) const MAX_XLSX_UNCOMPRESSED: u64 = 64 * 1024 * 1024;
/// One XML event (a tag with its attributes, or a run of text): a cell holds at most 32,767
/// characters, which escaped stay far below this.
pub(super) const MAX_XML_EVENT_BYTES: u64 = 1024 * 1024;
/// Element nesting in a part; SpreadsheetML needs about six levels.
pub(super) const MAX_XML_DEPTH: usize = 64;

const EOCD: &[u8; 4] = b"PK\x05\x06";
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
const ZIP64_EOCD: &[u8; 4] = b"PK\x06\x06";
const CENTRAL_HEADER: &[u8; 4] = b"PK\x01\x02";

fn not_xlsx(detail: impl std::fmt::Display) -> SheetError {
    SheetError::NotXlsx(detail.to_string())
}

fn le(bytes: &[u8], at: usize, width: usize) -> Option<u64> {
    let field = bytes.get(at..at.checked_add(width)?)?;
    Some(
        field
            .iter()
            .rev()
            .fold(0u64, |value, byte| (value << 8) | u64::from(*byte)),
    )
}

/// Every end-of-central-directory record the zip reader could pick (it searches the last 64 KiB
/// backwards) declares at most [`MAX_ZIP_ENTRIES`]; the last one, which it tries first, also
/// points at a central directory of at most [`MAX_CENTRAL_DIRECTORY_BYTES`] that ends where the
/// end records start and whose headers are where they are said to be.
fn check_end_records(bytes: &[u8]) -> Result<(), SheetError> {
    let last_start = bytes
        .len()
        .checked_sub(EOCD_LEN)
        .ok_or_else(|| not_xlsx("the file is too short to be a zip archive"))?;
    let first_start = last_start.saturating_sub(usize::from(u16::MAX));
    let mut last = None;
    for at in (first_start..=last_start).rev() {
        if &bytes[at..at + 4] != EOCD {
            continue;
        }
        let (entries, directory) = end_record(bytes, at)?;
        if entries > MAX_ZIP_ENTRIES as u64 {
            return Err(SheetError::TooManyParts {
                max_parts: MAX_ZIP_ENTRIES,
            });
        }
        last.get_or_insert((entries, directory));
    }
    let (entries, (start, size, end)) = last.ok_or_else(|| not_xlsx("no zip end-of-central-directory record"))?;
    if size > MAX_CENTRAL_DIRECTORY_BYTES {
        return Err(SheetError::TooManyParts {
            max_parts: MAX_ZIP_ENTRIES,
        });
    }
    if start.checked_add(size) != Some(end) {
        return Err(not_xlsx("the zip central directory is not where its end record says"));
    }
    let mut at = usize::try_from(start).map_err(not_xlsx)?;
    for _ in 0..entries {
        let lengths = [28, 30, 32].map(|offset| le(bytes, at + offset, 2));
        match (bytes.get(at..at + 4), lengths) {
            (Some(signature), [Some(name), Some(extra), Some(comment)]) if signature == CENTRAL_HEADER => {
                at += 46 + usize::try_from(name + extra + comment).map_err(not_xlsx)?;
            }
            _ => return Err(not_xlsx("a zip central directory header is missing")),
        }
    }
    if at as u64 > end {
        return Err(not_xlsx("the zip central directory runs past its end record"));
    }
    Ok(())
}

/// The entry count of the end record at `at` and its central directory (start, size, where it
/// must end), from the ZIP64 record when the locator before it points at one.
fn end_record(bytes: &[u8], at: usize) -> Result<(u64, (u64, u64, u64)), SheetError> {
    let field = |offset, width| le(bytes, at + offset, width).ok_or_else(|| not_xlsx("a truncated zip end record"));
    let (entries, size, start) = (field(10, 2)?, field(12, 4)?, field(16, 4)?);
    let locator = at
        .checked_sub(20)
        .filter(|l| bytes.get(*l..*l + 4) == Some(ZIP64_LOCATOR));
    let Some(locator) = locator else {
        return Ok((entries, (start, size, at as u64)));
    };
    let record = le(bytes, locator + 8, 8)
        .and_then(|r| usize::try_from(r).ok())
        .filter(|r| *r < locator && bytes.get(*r..*r + 4) == Some(ZIP64_EOCD))
        .ok_or_else(|| not_xlsx("the ZIP64 locator points at no ZIP64 end record"))?;
    let field64 = |offset| le(bytes, record + offset, 8).ok_or_else(|| not_xlsx("a truncated ZIP64 end record"));
    // Entries on this disk and in all (the reader uses both), and the 16-bit count unless it is
    // the "see the ZIP64 record" marker.
    let entries = field64(24)?
        .max(field64(32)?)
        .max(if entries == u64::from(u16::MAX) { 0 } else { entries });
    Ok((entries, (field64(48)?, field64(40)?, record as u64)))
}

/// A workbook's archive, and how much has been inflated from it so far.
pub(super) struct Package<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    inflated: u64,
}

/// What an XML event handler wants next.
#[derive(PartialEq)]
pub(super) enum Step {
    Continue,
    Stop,
}

impl<'a> Package<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Self, SheetError> {
        check_end_records(bytes)?;
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_xlsx)?;
        if archive.len() > MAX_ZIP_ENTRIES {
            return Err(SheetError::TooManyParts {
                max_parts: MAX_ZIP_ENTRIES,
            });
        }
        Ok(Self { archive, inflated: 0 })
    }

    /// Streams the part `name` as XML events into `on_event`, until the end or [`Step::Stop`];
    /// `Ok(false)` when there is no such part.
    pub fn read_xml(
        &mut self,
        name: &str,
        mut on_event: impl FnMut(&Event<'_>) -> Result<Step, SheetError>,
    ) -> Result<bool, SheetError> {
        let Some(index) = self.archive.index_for_name(name) else {
            return Ok(false);
        };
        let entry = self
            .archive
            .by_index(index)
            .map_err(|e| not_xlsx(format!("{name}: {e}")))?;
        let declared = entry.size();
        let inflate = Inflate {
            entry,
            name,
            declared,
            read: 0,
            total: &mut self.inflated,
            failure: None,
        };
        let mut xml = quick_xml::Reader::from_reader(EventBudget {
            inner: BufReader::with_capacity(16 * 1024, inflate),
            consumed: 0,
            failure: None,
        });
        let mut buf = Vec::new();
        let mut depth = 0usize;
        loop {
            xml.get_mut().consumed = 0;
            let event = match xml.read_event_into(&mut buf) {
                Ok(event) => event,
                Err(error) => {
                    let source = xml.get_mut();
                    return Err(source
                        .failure
                        .take()
                        .or_else(|| source.inner.get_mut().failure.take())
                        .unwrap_or_else(|| not_xlsx(format!("{name}: {error}"))));
                }
            };
            match &event {
                Event::Start(_) => {
                    depth += 1;
                    if depth > MAX_XML_DEPTH {
                        return Err(not_xlsx(format!(
                            "{name} nests elements more than {MAX_XML_DEPTH} deep"
                        )));
                    }
                }
                Event::End(_) => depth = depth.saturating_sub(1),
                Event::Eof => return Ok(true),
                _ => {}
            }
            if on_event(&event)? == Step::Stop {
                // The rest is not needed, but it is inflated (within the cap) to check the part's
                // size and checksum, so a lying archive is refused however it is read.
                let mut source = xml.into_inner().inner;
                return match io::copy(&mut source, &mut io::sink()) {
                    Ok(_) => Ok(true),
                    Err(error) => Err(source
                        .get_mut()
                        .failure
                        .take()
                        .unwrap_or_else(|| not_xlsx(format!("{name}: {error}")))),
                };
            }
            buf.clear();
        }
    }
}

/// A part's inflated bytes, counted against its declared size and the archive's total.
struct Inflate<'a, 'n, R> {
    entry: R,
    name: &'n str,
    declared: u64,
    read: u64,
    total: &'a mut u64,
    failure: Option<SheetError>,
}

impl<R: Read> Read for Inflate<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.entry.read(buf)?;
        self.read += n as u64;
        *self.total += n as u64;
        let failure = if *self.total > MAX_XLSX_UNCOMPRESSED {
            Some(SheetError::TooLarge {
                max_bytes: MAX_XLSX_UNCOMPRESSED,
            })
        } else if self.read > self.declared || (n == 0 && self.read != self.declared) {
            let holds = if n == 0 { self.read.to_string() } else { "more".into() };
            Some(not_xlsx(format!(
                "the part {} declares {} bytes but holds {holds}",
                self.name, self.declared
            )))
        } else {
            None
        };
        match failure {
            Some(failure) => {
                let message = failure.to_string();
                self.failure = Some(failure);
                Err(io::Error::other(message))
            }
            None => Ok(n),
        }
    }
}

/// Counts the bytes the XML reader consumes for one event and fails once they pass
/// [`MAX_XML_EVENT_BYTES`]: the reader copies an event whole into its buffer, so an endless text
/// or tag would otherwise be held whole.
struct EventBudget<R> {
    inner: R,
    consumed: u64,
    failure: Option<SheetError>,
}

impl<R: BufRead> EventBudget<R> {
    fn check(&mut self) -> io::Result<()> {
        if self.consumed > MAX_XML_EVENT_BYTES {
            let failure = not_xlsx(format!(
                "an XML tag or text is longer than {} KiB",
                MAX_XML_EVENT_BYTES / 1024
            ));
            let message = failure.to_string();
            self.failure = Some(failure);
            return Err(io::Error::other(message));
        }
        Ok(())
    }
}

impl<R: BufRead> Read for EventBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.check()?;
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for EventBudget<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.check()?;
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.consumed += amount as u64;
        self.inner.consume(amount);
    }
}

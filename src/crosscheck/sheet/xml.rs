//! Reading SpreadsheetML parts as XML events: attributes and names without their namespace
//! prefix (writers differ: `c`, `x:c`), text with its references resolved and kept to a field's
//! length, and the spreadsheet escapes of control characters.

use quick_xml::events::{BytesStart, Event};

use super::SheetError;
use super::cells::KeptText;

pub(super) fn not_xlsx(detail: impl std::fmt::Display) -> SheetError {
    SheetError::NotXlsx(detail.to_string())
}

/// The attribute `key` of `tag` (matched on its local name when `key` has no prefix), unescaped.
pub(super) fn attribute(tag: &BytesStart<'_>, key: &str) -> Option<String> {
    tag.attributes().with_checks(false).flatten().find_map(|attr| {
        let name = attr.key.as_ref();
        let local = name.rsplit_once(':').map_or(name, |(_, local)| local);
        (name == key || (local == key && name != local))
            .then(|| {
                attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(|value| value.into_owned())
                    .ok()
            })
            .flatten()
    })
}

pub(super) fn local_name<'e>(tag: &'e BytesStart<'_>) -> &'e str {
    let name = tag.name().0;
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

pub(super) fn end_name<'e>(event: &'e Event<'_>) -> Option<&'e str> {
    match event {
        Event::End(end) => {
            let name = end.name().0;
            Some(name.rsplit_once(':').map_or(name, |(_, local)| local))
        }
        _ => None,
    }
}

/// Appends the text of a text-like event (text, CDATA, an entity or character reference).
pub(super) fn push_text(event: &Event<'_>, text: &mut KeptText) -> Result<(), SheetError> {
    match event {
        Event::Text(t) => text.push(&t.xml10_content()),
        Event::CData(t) => text.push(&t.xml10_content()),
        Event::GeneralRef(r) => match r.resolve_char_ref() {
            Ok(Some(c)) => text.push(c.encode_utf8(&mut [0; 4])),
            Ok(None) => {
                let name: &str = r;
                let resolved = quick_xml::escape::resolve_predefined_entity(name)
                    .ok_or_else(|| not_xlsx(format!("unknown XML entity &{};", shown_name(name))))?;
                text.push(resolved);
            }
            Err(e) => return Err(not_xlsx(e)),
        },
        _ => {}
    }
    Ok(())
}

pub(super) fn shown_name(name: &str) -> String {
    name.chars().take(20).collect()
}

/// Spreadsheet escapes of control characters in text, `_x000D_` for a carriage return.
pub(super) fn decode_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("_x") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("_x") {
        out.push_str(&rest[..at]);
        let code = rest
            .get(at + 2..at + 7)
            .filter(|hex| hex.ends_with('_'))
            .and_then(|hex| u32::from_str_radix(&hex[..4], 16).ok())
            .and_then(char::from_u32);
        match code {
            Some(c) => {
                out.push(c);
                rest = &rest[at + 7..];
            }
            None => {
                out.push_str("_x");
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

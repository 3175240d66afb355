//! A ticket's printable page: one A4 sheet, texts from the catalogue in the caller's language,
//! every value from the ledger or a user HTML-escaped, long texts clipped (marked `…`) so the
//! sheet stays one page whatever was written (the full text is the ticket's, online). No script, no external resource: the one
//! style sheet is allowed by its hash in the Content Security Policy.

use std::fmt::Write;
use std::sync::LazyLock;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::i18n::{Lang, Msg, date_text};
use crate::msg;
use crate::workflow::tickets::{Colour, Outcome, PrintFacts, Ticket, TicketStatus};

/// Longest description and response printed, in characters (with the note, the evidence and
/// the rest, the most that fits one A4 sheet in the CJK font at this size).
const MAX_PRINTED_CHARS: usize = 200;
/// Longest note printed, in characters.
const MAX_PRINTED_NOTE_CHARS: usize = 100;
/// Most pieces of evidence printed.
const MAX_PRINTED_EVIDENCE: usize = 5;

const CSS: &str = "@page{size:A4;margin:12mm 15mm}\
*{box-sizing:border-box}\
html,body{margin:0;padding:0}\
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}\
body{font-family:\"Noto Serif CJK SC\",\"Noto Sans CJK SC\",\"Source Han Serif SC\",\"SimSun\",serif;font-size:10pt;line-height:1.4;color:#000}\
.sheet{display:flex;flex-direction:column}\
h1{font-size:18pt;text-align:center;margin:0 0 2mm;letter-spacing:.1em}\
.red h1{color:#c00000}.yellow h1{color:#9a6b00}.blue h1{color:#0b4aa2}\
.band{height:3mm;margin-bottom:3mm}.red .band{background:#c00000}.yellow .band{background:#e0a800}.blue .band{background:#0b4aa2}\
.number{text-align:right;font-size:9pt;margin-bottom:2mm;word-break:break-all}\
table{width:100%;border-collapse:collapse;table-layout:fixed}\
th,td{border:1px solid #000;padding:1.2mm 2mm;vertical-align:top;text-align:left;word-break:break-word;overflow-wrap:anywhere}\
th{width:31mm;font-weight:bold;background:#f2f2f2}\
ul{margin:0;padding-left:5mm;font-size:9pt;line-height:1.35}\
.text{white-space:pre-wrap}\
.signature{margin-top:3mm;display:flex;justify-content:space-between;font-size:9.5pt}\
.footer{margin-top:4mm;font-size:9pt;border-top:1px solid #000;padding-top:2mm}\
@media screen{body{background:#ddd}.sheet{width:210mm;margin:8mm auto;padding:14mm 16mm;background:#fff;min-height:297mm}}";

static CSS_HASH: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(CSS.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(digest)
});

/// The page's Content Security Policy: nothing but its own style sheet.
pub fn csp() -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; img-src 'none'; script-src 'none'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'",
        *CSS_HASH
    )
}

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn clipped(text: &str, max_chars: usize) -> String {
    escape(&crate::domain::clip(text, max_chars))
}

fn t(m: Msg, lang: Lang) -> String {
    escape(&m.render(lang))
}

fn colour_msg(colour: Colour) -> Msg {
    match colour {
        Colour::Red => msg!("tickets-print-colour-red"),
        Colour::Yellow => msg!("tickets-print-colour-yellow"),
        Colour::Blue => msg!("tickets-print-colour-blue"),
    }
}

fn status_msg(status: TicketStatus) -> Msg {
    match status {
        TicketStatus::Issued => msg!("tickets-status-issued"),
        TicketStatus::Received => msg!("tickets-status-received"),
        TicketStatus::Concluded => msg!("tickets-status-concluded"),
    }
}

fn outcome_msg(outcome: Outcome) -> Msg {
    match outcome {
        Outcome::CaseOpened => msg!("tickets-outcome-case_opened"),
        Outcome::Disciplined => msg!("tickets-outcome-disciplined"),
        Outcome::ReferredToJudiciary => msg!("tickets-outcome-referred_to_judiciary"),
        Outcome::Rectification => msg!("tickets-outcome-rectification"),
        Outcome::Unfounded => msg!("tickets-outcome-unfounded"),
    }
}

fn row(out: &mut String, head: &str, cell: &str) {
    let _ = write!(out, "<tr><th>{head}</th><td>{cell}</td></tr>");
}

/// The page of `ticket` in `lang`.
pub fn render(ticket: &Ticket, facts: &PrintFacts, lang: Lang) -> String {
    let title = t(msg!("tickets-print-title", colour = colour_msg(ticket.colour)), lang);
    let mut out = String::with_capacity(8 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{lang_tag}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>\
         <style>{CSS}</style></head><body><div class=\"sheet {colour}\"><div class=\"band\"></div><h1>{title}</h1>\
         <div class=\"number\">{number}</div><table>",
        lang_tag = lang.tag(),
        colour = ticket.colour.as_str(),
        number = t(msg!("tickets-print-number", id = ticket.id.as_str()), lang),
    );
    row(
        &mut out,
        &t(msg!("tickets-print-to"), lang),
        &escape(&ticket.addressee.name),
    );
    row(
        &mut out,
        &t(msg!("tickets-print-village"), lang),
        &format!(
            "{} {}({})",
            escape(&facts.township_name),
            escape(&facts.village_name),
            escape(&ticket.village_code)
        ),
    );
    row(
        &mut out,
        &t(msg!("tickets-print-round"), lang),
        &escape(&facts.round_name),
    );
    let issued_on = crate::workflow::tickets::county_day(ticket.issued_at.naive_utc());
    row(
        &mut out,
        &t(msg!("tickets-print-issued"), lang),
        &escape(&date_text(issued_on, lang)),
    );
    let days = (ticket.due_on - issued_on).num_days();
    row(
        &mut out,
        &t(msg!("tickets-print-due"), lang),
        &t(msg!("tickets-print-due-text", due = ticket.due_on, days = days), lang),
    );
    row(
        &mut out,
        &t(msg!("tickets-print-status"), lang),
        &t(status_msg(ticket.status), lang),
    );
    if let Some(finding) = &ticket.finding {
        row(
            &mut out,
            &t(msg!("tickets-print-item"), lang),
            &format!("{} · {}", escape(&finding.checklist_item), escape(&finding.category)),
        );
        row(
            &mut out,
            &t(msg!("tickets-print-finding"), lang),
            &format!(
                "<div class=\"text\">{}</div>",
                clipped(&finding.description, MAX_PRINTED_CHARS)
            ),
        );
        row(
            &mut out,
            &t(msg!("tickets-print-amount"), lang),
            &t(
                msg!(
                    "tickets-print-amount-text",
                    amount = crate::i18n::money(finding.amount_fen)
                ),
                lang,
            ),
        );
        let evidence = if finding.evidence.is_empty() {
            t(msg!("tickets-print-no-evidence"), lang)
        } else {
            let mut list = String::from("<ul>");
            for e in finding.evidence.iter().take(MAX_PRINTED_EVIDENCE) {
                let detail = e
                    .detail
                    .as_deref()
                    .map(|d| format!(" — {}", escape(&crate::domain::clip(d, 40))))
                    .unwrap_or_default();
                let _ = write!(
                    list,
                    "<li>{}: {}{detail}</li>",
                    escape(&e.kind),
                    escape(&crate::domain::clip(&e.reference, 40))
                );
            }
            if finding.evidence.len() > MAX_PRINTED_EVIDENCE {
                list.push_str("<li>…</li>");
            }
            list.push_str("</ul>");
            list
        };
        row(&mut out, &t(msg!("tickets-print-evidence"), lang), &evidence);
    }
    if let Some(note) = &ticket.note {
        row(
            &mut out,
            &t(msg!("tickets-print-note"), lang),
            &format!("<div class=\"text\">{}</div>", clipped(note, MAX_PRINTED_NOTE_CHARS)),
        );
    }
    if ticket.status == TicketStatus::Concluded {
        if let Some(response) = &ticket.response {
            row(
                &mut out,
                &t(msg!("tickets-print-response"), lang),
                &format!("<div class=\"text\">{}</div>", clipped(response, MAX_PRINTED_CHARS)),
            );
        }
        if let Some(outcome) = ticket.outcome {
            let mut cell = t(outcome_msg(outcome), lang);
            if ticket.persons_disciplined > 0 {
                let _ = write!(
                    cell,
                    "<br>{}",
                    t(msg!("tickets-print-persons", count = ticket.persons_disciplined), lang)
                );
            }
            let _ = write!(
                cell,
                "<br>{}",
                t(
                    msg!(
                        "tickets-print-recovered",
                        amount = crate::i18n::money(ticket.recovered_fen)
                    ),
                    lang
                )
            );
            row(&mut out, &t(msg!("tickets-print-outcome"), lang), &cell);
        }
    }
    out.push_str("</table><div class=\"signature\">");
    let _ = write!(
        out,
        "<span>{}</span>",
        t(msg!("tickets-print-issued-by", user = ticket.issued_by.as_str()), lang)
    );
    if let (Some(by), Some(at)) = (&ticket.concluded_by, ticket.concluded_at) {
        let day = crate::workflow::tickets::county_day(at.naive_utc());
        let _ = write!(
            out,
            "<span>{}</span>",
            t(msg!("tickets-print-concluded-by", user = by.as_str(), date = day), lang)
        );
    }
    let _ = write!(
        out,
        "</div><div class=\"footer\">{}</div></div></body></html>",
        t(msg!("tickets-print-footer"), lang)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escaping_covers_every_html_special_character() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'q'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"
        );
    }
}

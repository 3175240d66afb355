//! The page's texts: every string the page shows, named here through the catalogue (keys
//! `page-*` of `src/i18n/*/page.ftl`) under the id the page's script looks up. A text with
//! a placeholder is rendered with the placeholder's own name in braces (`{count}`), which the
//! script fills in.

use std::sync::LazyLock;

use crate::i18n::{Lang, Msg};
use crate::msg;

/// The page's texts: script id → message.
fn messages() -> Vec<(&'static str, Msg)> {
    vec![
        ("title", msg!("page-title")),
        ("appName", msg!("page-app-name")),
        ("skip", msg!("page-skip")),
        ("loading", msg!("page-loading")),
        ("noscript", msg!("page-noscript")),
        ("signInTitle", msg!("page-sign-in-title")),
        ("username", msg!("page-username")),
        ("password", msg!("page-password")),
        ("signIn", msg!("page-sign-in")),
        ("signingIn", msg!("page-signing-in")),
        ("signOut", msg!("page-sign-out")),
        ("signedOut", msg!("page-signed-out")),
        ("sessionEnded", msg!("page-session-ended")),
        ("networkError", msg!("page-network-error")),
        ("errorDetail", msg!("page-error-detail", detail = "{detail}")),
        ("notFound", msg!("page-not-found")),
        ("home", msg!("page-home")),
        ("back", msg!("page-back")),
        ("balances", msg!("page-balances")),
        ("cash", msg!("page-cash")),
        ("bank", msg!("page-bank")),
        ("latestClosed", msg!("page-latest-closed", month = "{month}")),
        ("months", msg!("page-months")),
        ("year", msg!("page-year")),
        ("income", msg!("page-income")),
        ("expense", msg!("page-expense")),
        ("count", msg!("page-count", count = "{count}")),
        ("published", msg!("page-published")),
        ("notClosed", msg!("page-not-closed")),
        ("checkpointSize", msg!("page-checkpoint-size", size = "{size}")),
        ("noMonths", msg!("page-no-months")),
        ("search", msg!("page-search")),
        ("searchTitle", msg!("page-search-title")),
        ("searchText", msg!("page-search-text")),
        ("direction", msg!("page-direction")),
        ("directionAny", msg!("page-direction-any")),
        ("minYuan", msg!("page-min-yuan")),
        ("maxYuan", msg!("page-max-yuan")),
        ("fromDate", msg!("page-from-date")),
        ("toDate", msg!("page-to-date")),
        ("badAmount", msg!("page-bad-amount")),
        ("results", msg!("page-results")),
        ("noEntries", msg!("page-no-entries")),
        ("more", msg!("page-more")),
        ("monthTitle", msg!("page-month-title", month = "{month}")),
        ("voucher", msg!("page-voucher")),
        ("date", msg!("page-date")),
        ("amount", msg!("page-amount")),
        ("counterparty", msg!("page-counterparty")),
        ("description", msg!("page-description")),
        ("account", msg!("page-account")),
        ("settlement", msg!("page-settlement")),
        ("project", msg!("page-project")),
        ("fundSource", msg!("page-fund-source")),
        ("tenderRef", msg!("page-tender-ref")),
        ("postedBy", msg!("page-posted-by")),
        ("reversal", msg!("page-reversal")),
        ("reverses", msg!("page-reverses")),
        ("reversalReason", msg!("page-reversal-reason")),
        ("reversedBy", msg!("page-reversed-by")),
        ("seeReversal", msg!("page-see-reversal")),
        ("openLine", msg!("page-open-line")),
        ("receiptCount", msg!("page-receipt-count", count = "{count}")),
        ("thumbAlt", msg!("page-thumb-alt", counterparty = "{counterparty}")),
        ("receipts", msg!("page-receipts")),
        ("noReceipts", msg!("page-no-receipts")),
        ("receiptOf", msg!("page-receipt-of", n = "{n}", total = "{total}")),
        ("receiptAlt", msg!("page-receipt-alt", n = "{n}")),
        ("zoomHint", msg!("page-zoom-hint")),
        ("withdrawn", msg!("page-withdrawn", reason = "{reason}")),
        ("previous", msg!("page-previous")),
        ("next", msg!("page-next")),
        ("close", msg!("page-close")),
        ("invoice", msg!("page-invoice")),
        ("invoiceCode", msg!("page-invoice-code")),
        ("invoiceNumber", msg!("page-invoice-number")),
        ("invoiceAmount", msg!("page-invoice-amount")),
        ("invoiceDate", msg!("page-invoice-date")),
        ("checkCode", msg!("page-check-code")),
        ("invoiceDiffers", msg!("page-invoice-differs")),
        ("proofChecking", msg!("page-proof-checking")),
        ("proofVerified", msg!("page-proof-verified")),
        (
            "proofVerifiedDetail",
            msg!("page-proof-verified-detail", size = "{size}"),
        ),
        ("proofFailed", msg!("page-proof-failed")),
        (
            "proofFailedDetail",
            msg!("page-proof-failed-detail", reason = "{reason}"),
        ),
        ("proofPending", msg!("page-proof-pending")),
        ("proofPendingDetail", msg!("page-proof-pending-detail")),
        ("proofUnsupported", msg!("page-proof-unsupported")),
        ("proofUnsupportedDetail", msg!("page-proof-unsupported-detail")),
        ("proofUnavailable", msg!("page-proof-unavailable")),
        ("reasonSignature", msg!("page-reason-signature")),
        ("reasonRoot", msg!("page-reason-root")),
        ("reasonLeaf", msg!("page-reason-leaf")),
        ("reasonFormat", msg!("page-reason-format")),
        ("provenTitle", msg!("page-proven-title")),
        ("ask", msg!("page-ask")),
        ("kind", msg!("page-kind")),
        ("kindQuestion", msg!("page-kind-question")),
        ("kindReport", msg!("page-kind-report")),
        ("questionText", msg!("page-question-text")),
        ("send", msg!("page-send")),
        ("sending", msg!("page-sending")),
        ("sent", msg!("page-sent")),
        ("myQuestions", msg!("page-my-questions")),
        ("onThisLine", msg!("page-on-this-line")),
        ("noQuestions", msg!("page-no-questions")),
        ("statusOpen", msg!("page-status-open")),
        ("statusAnswered", msg!("page-status-answered")),
        ("statusAccepted", msg!("page-status-accepted")),
        ("statusEscalated", msg!("page-status-escalated")),
        ("kindQuestionShort", msg!("page-kind-question-short")),
        ("kindReportShort", msg!("page-kind-report-short")),
        ("filedAt", msg!("page-filed-at", date = "{date}")),
        ("answer", msg!("page-answer")),
        ("offline", msg!("page-offline")),
        ("cached", msg!("page-cached", time = "{time}")),
        ("staffTitle", msg!("page-staff-title")),
        ("readOnly", msg!("page-read-only")),
        ("rounds", msg!("page-rounds")),
        ("roundOpen", msg!("page-round-open")),
        ("roundClosed", msg!("page-round-closed")),
        ("flags", msg!("page-flags")),
        ("noFlags", msg!("page-no-flags")),
        ("villagesOf", msg!("page-villages-of", township = "{township}")),
        ("roundAbout", msg!("page-round-about")),
        ("roundWindow", msg!("page-round-window")),
        ("roundTownships", msg!("page-round-townships")),
        ("roundVillages", msg!("page-round-villages")),
        ("roundInspectors", msg!("page-round-inspectors")),
        ("roundFindings", msg!("page-round-findings")),
        ("roundChecklist", msg!("page-round-checklist")),
        (
            "checklistMarked",
            msg!("page-checklist-marked", marked = "{marked}", items = "{items}"),
        ),
        ("roundClosedFlags", msg!("page-round-closed-flags")),
        (
            "flagsSummary",
            msg!(
                "page-flags-summary",
                total = "{total}",
                entries = "{entries}",
                villages = "{villages}"
            ),
        ),
        ("byRule", msg!("page-by-rule")),
        ("allRules", msg!("page-all-rules")),
        ("shownOf", msg!("page-shown-of", shown = "{shown}", total = "{total}")),
        ("severityHigh", msg!("page-severity-high")),
        ("severityMedium", msg!("page-severity-medium")),
        ("severityLow", msg!("page-severity-low")),
        ("rule_missing_receipt", msg!("page-rule-missing-receipt")),
        ("rule_receipt_reused", msg!("page-rule-receipt-reused")),
        ("rule_invoice_reused", msg!("page-rule-invoice-reused")),
        ("rule_invoice_mismatch", msg!("page-rule-invoice-mismatch")),
        ("rule_duplicate_payment", msg!("page-rule-duplicate-payment")),
        ("rule_split_payment", msg!("page-rule-split-payment")),
        ("rule_round_amount", msg!("page-rule-round-amount")),
        ("rule_late_posting", msg!("page-rule-late-posting")),
        ("rule_voucher_gap", msg!("page-rule-voucher-gap")),
        ("rule_offday_hospitality", msg!("page-rule-offday-hospitality")),
        ("rule_tender_threshold", msg!("page-rule-tender-threshold")),
        ("rule_benford", msg!("page-rule-benford")),
    ]
}

static RENDERED: LazyLock<[serde_json::Map<String, serde_json::Value>; 2]> = LazyLock::new(|| {
    Lang::ALL.map(|lang| {
        messages()
            .into_iter()
            .map(|(id, m)| (id.to_owned(), serde_json::Value::from(m.render(lang))))
            .collect()
    })
});

fn of(lang: Lang) -> &'static serde_json::Map<String, serde_json::Value> {
    &RENDERED[Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0)]
}

/// Every text of the page in `lang`, by script id.
pub fn rendered(lang: Lang) -> &'static serde_json::Map<String, serde_json::Value> {
    of(lang)
}

/// One text of the page in `lang` (empty for an unknown id).
pub fn text(lang: Lang, id: &str) -> String {
    of(lang).get(id).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
}

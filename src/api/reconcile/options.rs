//! The options of a reconciliation, described once: the JSON request ([`ReconcileRequest`])
//! and the form fields of a sheet upload ([`ReconcileUpload`], whose schema is derived from
//! the request's) are the same options.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::api::problem::{ApiError, ApiResult};
use crate::crosscheck::findings::{FindingInput, ToleranceOptions, Tolerances};
use crate::i18n::Msg;
use crate::msg;

/// Findings as JSON, with the scope, window and tolerances of the reconciliation.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "village": "331022003201",
    "findings": [
        {"ref": "F-07", "date": "2024-08-16", "amount_fen": 1000000, "counterparty": "叶某某"}
    ]
}))]
pub struct ReconcileRequest {
    /// The village to reconcile against (or `township`).
    #[schema(pattern = r"^[0-9]{12}$", example = "331022003201")]
    pub village: Option<String>,
    /// The township to reconcile against (or `village`).
    #[schema(pattern = r"^[0-9]{12}$")]
    pub township: Option<String>,
    /// Only entries on or after this date.
    pub from: Option<NaiveDate>,
    /// Only entries on or before this date.
    pub to: Option<NaiveDate>,
    /// Days either side of a finding's date (default 14).
    #[schema(minimum = 0, maximum = 366)]
    #[serde(default, deserialize_with = "whole")]
    pub date_window_days: Option<i64>,
    /// Smallest amount tolerance in fen (default 200).
    #[schema(minimum = 0, maximum = 100_000_000)]
    #[serde(default, deserialize_with = "whole")]
    pub amount_tolerance_fen: Option<i64>,
    /// Amount tolerance in percent of the finding's amount (default 1).
    #[schema(minimum = 0, maximum = 100)]
    pub amount_tolerance_percent: Option<f64>,
    /// Counterparty similarity from which names are the same (default 0.8).
    #[schema(minimum = 0, maximum = 1)]
    pub name_similarity: Option<f64>,
    /// Days a payment of the right amount and counterparty may be away (default 90).
    #[schema(minimum = 0, maximum = 3660)]
    #[serde(default, deserialize_with = "whole")]
    pub date_search_days: Option<i64>,
    /// Most entries of a split payment (default 5).
    #[schema(minimum = 2, maximum = 5)]
    #[serde(default, deserialize_with = "whole")]
    pub max_split_parts: Option<i64>,
    /// Also list the expense entries no finding accounts for (default false).
    pub include_unmatched_entries: Option<bool>,
    /// At most 20,000 findings (the service's setting).
    pub findings: Vec<FindingInput>,
}

/// A whole number however written (`3`, `3.0`, `3e0`), read from its exact text.
fn whole<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let number = Option::<serde_json::Number>::deserialize(deserializer)?;
    number
        .map(|n| {
            crate::domain::parse_whole_number(n.as_str())
                .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number")))
        })
        .transpose()
}

/// The options of a reconciliation, whether sent as JSON or as the form fields of a sheet upload.
impl ReconcileRequest {
    pub(super) fn tolerances(&self) -> ApiResult<Tolerances> {
        Ok(Tolerances::from_options(ToleranceOptions {
            date_window_days: self.date_window_days,
            amount_tolerance_fen: self.amount_tolerance_fen,
            amount_tolerance_percent: self.amount_tolerance_percent,
            name_similarity: self.name_similarity,
            date_search_days: self.date_search_days,
            max_split_parts: self.max_split_parts,
        })?)
    }

    /// Reads one form field of a sheet upload.
    pub(super) fn set_field(&mut self, name: &str, value: &str) -> ApiResult<()> {
        let bad = |what: Msg| {
            ApiError::Invalid(msg!(
                "reconcile-field-value",
                field = name,
                value = crate::domain::truncate(value),
                expected = what
            ))
        };
        let int = |what: Msg| value.trim().parse::<i64>().map_err(|_| bad(what));
        let date = || value.trim().parse::<NaiveDate>().map_err(|_| bad(msg!("expect-date")));
        let text = || (!value.trim().is_empty()).then(|| value.trim().to_owned());
        match name {
            "village" => self.village = text(),
            "township" => self.township = text(),
            "from" => self.from = Some(date()?),
            "to" => self.to = Some(date()?),
            "date_window_days" => self.date_window_days = Some(int(msg!("expect-days"))?),
            "amount_tolerance_fen" => self.amount_tolerance_fen = Some(int(msg!("expect-fen"))?),
            "amount_tolerance_percent" => {
                self.amount_tolerance_percent = Some(value.trim().parse().map_err(|_| bad(msg!("expect-percent")))?)
            }
            "name_similarity" => {
                self.name_similarity = Some(value.trim().parse().map_err(|_| bad(msg!("expect-fraction")))?)
            }
            "date_search_days" => self.date_search_days = Some(int(msg!("expect-days"))?),
            "max_split_parts" => self.max_split_parts = Some(int(msg!("expect-split-parts"))?),
            "include_unmatched_entries" => {
                self.include_unmatched_entries = Some(match value.trim() {
                    "true" | "1" | "yes" | "on" => true,
                    "false" | "0" | "no" | "off" | "" => false,
                    _ => return Err(bad(msg!("expect-bool"))),
                })
            }
            _ => {
                return Err(ApiError::Invalid(msg!(
                    "reconcile-unexpected-field",
                    field = crate::domain::truncate(name)
                )));
            }
        }
        Ok(())
    }
}

/// Findings as a spreadsheet: the multipart body of a reconciliation, whose form fields are
/// the options of [`ReconcileRequest`] (its schema is derived from the request's: every option
/// but `findings`, and the part `file`). The handler reads the body part by part.
pub struct ReconcileUpload;

impl utoipa::PartialSchema for ReconcileUpload {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
        use utoipa::openapi::{KnownFormat, RefOr};
        let mut schema = ReconcileRequest::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            object.description = Some("Findings as a spreadsheet (documentation of the multipart body).".into());
            object.example = None;
            object.properties.remove("findings");
            object.properties.insert(
                "file".into(),
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                    .description(Some(
                        "A CSV (UTF-8) or XLSX file with a header row, Chinese or English headers: 编号/ref,\n\
                         日期/date, 金额(元)/amount (yuan, exact) or amount_fen, 收款人/counterparty, 摘要/description,\n\
                         凭证号/voucher_no, 发票号码/invoice_number.",
                    ))
                    .into(),
            );
            object.required = vec!["file".into()];
        }
        schema
    }
}

impl utoipa::ToSchema for ReconcileUpload {}

//! The path parameters the routes share, declared once for the OpenAPI document and read by
//! the handlers through the same types.

use serde::Deserialize;

/// `{code}` of a village's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VillagePath {
    /// 12-digit village code
    #[param(pattern = r"^[0-9]{12}$", example = "331022102201")]
    pub code: String,
}

/// `{code}` of a township's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TownshipPath {
    /// 12-digit township code
    #[param(pattern = r"^[0-9]{12}$", example = "331022102000")]
    pub code: String,
}

/// `{code}/periods/{period}` of a village's month.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PeriodPath {
    /// 12-digit village code
    #[param(pattern = r"^[0-9]{12}$", example = "331022102201")]
    pub code: String,
    /// Month, YYYY-MM
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2024-03")]
    pub period: String,
}

/// `{id}` of an entry's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EntryPath {
    /// Entry id
    pub id: String,
}

/// `{id}` of a receipt's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReceiptPath {
    /// Receipt id
    pub id: String,
}

/// `{id}` of an inspection round's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InspectionPath {
    /// Inspection id
    pub id: String,
}

/// `{username}` of a user's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// Username
    pub username: String,
}

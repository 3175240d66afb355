//! The OpenAPI document's parts that are not on a route: its info, tags, security scheme,
//! and what is added once every route is registered ([`finish`]): the problem-document body
//! of every error response, declared once ([`ProblemBodies`]), and the `Accept-Language` header
//! of every operation ([`Languages`]).

use utoipa::Modify;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

use crate::api::problem::Problem;

/// The media type of problem documents (RFC 9457).
const PROBLEM_JSON: &str = "application/problem+json";

struct BearerAuth;

/// The media type and schema of every error answer.
fn problem_content() -> utoipa::openapi::Content {
    use utoipa::ToSchema;
    utoipa::openapi::ContentBuilder::new()
        .schema(Some(utoipa::openapi::Ref::from_schema_name(Problem::name())))
        .build()
}

/// Every operation of the document.
fn operations(openapi: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
    })
}

/// Every error answer of this service is a problem document (the `problems` middleware turns
/// any other into one), so it is declared here, once: a route's annotation names the status
/// and what it means, `(status = 404, description = "No such entry in your scope")`, and each
/// 4xx or 5xx response declared without a body gets the [`Problem`] body.
struct ProblemBodies;

impl Modify for ProblemBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for op in operations(openapi) {
            for (status, response) in op.responses.responses.iter_mut() {
                if let utoipa::openapi::RefOr::T(response) = response
                    && (status.starts_with('4') || status.starts_with('5'))
                    && response.content.is_empty()
                {
                    response
                        .content
                        .insert(PROBLEM_JSON.into(), utoipa::openapi::RefOr::T(problem_content()));
                }
            }
        }
    }
}

/// Declares the errors every JSON body can produce (400, 413, 415) on each operation that
/// takes one, so the document lists what the service really answers.
struct BodyErrors;

impl Modify for BodyErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let problem = |description: &str| {
            utoipa::openapi::ResponseBuilder::new()
                .description(description)
                .content(PROBLEM_JSON, problem_content())
                .build()
        };
        for op in operations(openapi) {
            if op.request_body.is_some() {
                for (status, text) in [
                    ("400", "Malformed JSON, wrong types or unknown fields"),
                    ("413", "Body too large"),
                    ("415", "Body is not JSON"),
                ] {
                    op.responses
                        .responses
                        .entry(status.into())
                        .or_insert_with(|| problem(text).into());
                }
            }
        }
    }
}

/// Every operation answers in the caller's language: `Accept-Language` is declared on each, once,
/// here (the document itself stays English, the developers' language).
struct Languages;

impl Modify for Languages {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        let parameter = ParameterBuilder::new()
            .name("Accept-Language")
            .parameter_in(ParameterIn::Header)
            .required(utoipa::openapi::Required::False)
            .description(Some(
                "The language of the texts people read (problem `title`/`detail`, flag explanations, \
                 reconciliation evidence, row errors): `zh`, `zh-CN` or `zh-Hans` for Simplified Chinese (the \
                 default, also for any language not spoken), `en` for English; weights (`q=`) are honoured. \
                 The answer names its language in `Content-Language` and varies on `Accept-Language`; \
                 machine-readable fields (`type` URIs, rule names, statuses, codes) never change with it.",
            ))
            .schema(Some(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .examples([serde_json::json!("zh-CN")]),
            ))
            .build();
        for op in operations(openapi) {
            op.parameters
                .get_or_insert_with(Vec::new)
                .push(parameter.clone().into());
        }
    }
}

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "village-ledger",
        description = "Village finance transparency: the itemized income and expenditure of village collectives \
                       (村集体), with the scans behind every line, for villagers, township finance stations and \
                       inspection groups. Money is integer fen. Errors are RFC 9457 problem documents. Texts \
                       people read are in Simplified Chinese, or in English with `Accept-Language: en`.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem)),
    tags(
        (name = "auth", description = "Sign in and tokens"),
        (name = "ledger", description = "Townships, villages, entries, summaries"),
        (name = "admin", description = "Users and inspection rounds"),
        (name = "receipts", description = "Receipt scans: upload, renditions, originals"),
        (name = "log", description = "The transparency log: checkpoints and proofs"),
        (name = "crosscheck", description = "For inspection groups: findings reconciled with the ledger, red flags"),
        (name = "inspection", description = "The inspection workflow: villagers' questions and reports, checklists, findings, referral tickets, rectification, results"),
        (name = "ops", description = "Health")
    )
)]
pub struct ApiDoc;

/// Applies what can only be added once every route is registered.
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    ProblemBodies.modify(&mut api);
    BodyErrors.modify(&mut api);
    Languages.modify(&mut api);
    api
}

//! The OpenAPI document's parts that are not on a route: its info, tags, security scheme,
//! and what is added once every route is registered ([`finish`]).

use utoipa::Modify;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

struct BearerAuth;

/// Declares the errors every JSON body can produce (400, 413, 415) on each operation that
/// takes one, so the document lists what the service really answers.
struct BodyErrors;

impl Modify for BodyErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
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
                       inspection groups. Money is integer fen. Errors are RFC 9457 problem documents.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::api::problem::Problem)),
    tags(
        (name = "auth", description = "Sign in and tokens"),
        (name = "ledger", description = "Townships, villages, entries, summaries"),
        (name = "admin", description = "Users and inspection rounds"),
        (name = "receipts", description = "Receipt scans: upload, renditions, originals"),
        (name = "log", description = "The transparency log: checkpoints and proofs"),
        (name = "crosscheck", description = "For inspection groups: findings reconciled with the ledger, red flags"),
        (name = "ops", description = "Health")
    )
)]
pub struct ApiDoc;

/// Applies what can only be added once every route is registered.
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    BodyErrors.modify(&mut api);
    api
}

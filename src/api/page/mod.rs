//! The villagers' phone page (`/`): plain HTML, CSS and JavaScript embedded in the binary, served
//! outside the API (not in the OpenAPI document, no problem documents of its own). The page
//! reads the same API with the same tokens; its texts come from the catalogue ([`texts`]), in
//! the language `Accept-Language` asks for, inlined as JSON so the first visit needs no extra
//! request. Assets have content-hashed names ([`assets`]) and are cached for a year; the page
//! itself and its service worker (`/sw.js`, at the root for scope `/`) are revalidated.
//!
//! Deep links (`/v/<village>/<YYYY-MM>`, `/e/<entry>`, `/q`, `/staff/…`) answer the same page;
//! its script routes them. Every answer carries a Content Security Policy without inline
//! script or style, and refuses framing.

pub mod assets;
pub mod texts;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::api::state::State;
use crate::i18n::Lang;

/// The page's Content Security Policy: its own origin only; receipt images are `blob:` URLs
/// made from answers fetched with the token.
pub const CSP: &str = "default-src 'self'; img-src 'self' blob:; script-src 'self'; style-src 'self'; \
                       connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Paths the page's script routes (deep links), beside `/`.
const DEEP_LINKS: [&str; 4] = ["/v/{tail:.*}", "/e/{tail:.*}", "/q", "/staff{tail:.*}"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(page))
        .route("/index.html", web::get().to(page));
    for path in DEEP_LINKS {
        cfg.route(path, web::get().to(page));
    }
    cfg.route("/sw.js", web::get().to(service_worker))
        .route("/assets/{name}", web::get().to(asset));
}

/// Headers every answer of the page carries.
fn guarded(mut res: HttpResponse) -> HttpResponse {
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

/// The page, in the caller's language, with its texts and the log's verifier key inlined.
async fn page(state: State, req: HttpRequest) -> HttpResponse {
    let lang = Lang::negotiate(req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let html = assets::index_html(lang, &state.log.verifier_key());
    guarded(
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((header::VARY, "Accept-Language"))
            .insert_header((header::CONTENT_LANGUAGE, lang.tag()))
            .body(html),
    )
}

/// The service worker: revalidated on every visit, so a new build takes over at once.
async fn service_worker() -> HttpResponse {
    guarded(
        HttpResponse::Ok()
            .content_type("text/javascript; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(assets::service_worker()),
    )
}

/// A hashed asset: immutable, a year in any cache.
async fn asset(name: web::Path<String>) -> HttpResponse {
    match assets::by_name(&name) {
        Some(asset) => guarded(
            HttpResponse::Ok()
                .content_type(asset.content_type)
                .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
                .body(asset.bytes),
        ),
        None => guarded(
            HttpResponse::NotFound()
                .content_type("text/plain; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .body("404"),
        ),
    }
}

//! Checklists, checklist marks and progress, findings and their proofs, rectification, follow-up rounds and published results.

pub fn routes(_cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {}

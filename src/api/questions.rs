//! Villagers' questions and reports on line items (质疑、举报): filed, answered, accepted or escalated.

pub fn routes(_cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {}

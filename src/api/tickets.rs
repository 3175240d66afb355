//! Referral tickets (红黄蓝三色交办单): issued, received and concluded, their printable page, and the county's figures.

pub fn routes(_cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {}

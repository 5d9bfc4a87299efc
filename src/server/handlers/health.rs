//! `GET /api/health/`: cheap, unauthenticated, for load balancers and `canvass status`.

use crate::protocol::HealthBody;
use crate::server::http::Reply;

pub fn get() -> Reply {
    Reply::ok(&HealthBody {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

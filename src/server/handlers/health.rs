//! `GET /api/health/` and `/healthz`: cheap, unauthenticated, for load balancers and
//! `canvass status`; the process answers. `/readyz`: the database answers too.

use std::sync::mpsc;
use std::time::Duration;

use super::Ctx;
use crate::protocol::HealthBody;
use crate::server::error::{ApiError, error_chain};
use crate::server::http::Reply;

/// How long `/readyz` waits for the database: a probe must answer sooner than the load
/// balancer gives up on it, whatever the database does.
const READY_DEADLINE: Duration = Duration::from_secs(2);

pub fn get() -> Reply {
    Reply::ok(&HealthBody {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// 200 when the store answers `ping` within `READY_DEADLINE`, 503 JSON saying why not. The
/// ping runs on a thread of its own, so a database that hangs holds that thread, not the
/// worker (nor the probe) past the deadline.
pub fn ready(cx: &Ctx) -> Result<Reply, ApiError> {
    let (done, answer) = mpsc::channel();
    let store = std::sync::Arc::clone(&cx.store);
    std::thread::Builder::new()
        .name("canvass-readyz".into())
        .spawn(move || {
            let _ = done.send(store.ping());
        })
        .map_err(|e| ApiError::NotReady(format!("cannot start the check: {e}")))?;
    match answer.recv_timeout(READY_DEADLINE) {
        Ok(Ok(())) => Ok(get()),
        Ok(Err(e)) => Err(ApiError::NotReady(error_chain(&e))),
        Err(_) => Err(ApiError::NotReady(format!(
            "the database did not answer within {} s",
            READY_DEADLINE.as_secs()
        ))),
    }
}

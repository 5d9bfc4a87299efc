//! `GET /api/openapi.json`: the API described from the route table, built once.

use crate::server::http::Reply;
use crate::server::openapi;

pub fn get() -> Reply {
    Reply::json_bytes(200, openapi::document())
}

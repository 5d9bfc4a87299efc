//! CORS response headers: which origins may call from a browser, and what a pre-flight
//! is told. Pure, so the HTTP layer only adds what this returns.

/// The seed enables CORS for `/api/*` from any origin (docs/seed-contract.md Part 1, "Browser client").
/// `preflight` holds the methods to allow when the request is a pre-flight.
pub fn cors_headers(
    origins: &[String],
    origin: Option<&str>,
    preflight: Option<&str>,
) -> Vec<(&'static str, String)> {
    let allow = if origins.iter().any(|o| o == "*") {
        Some("*".to_owned())
    } else {
        origin
            .filter(|o| origins.iter().any(|allowed| allowed == o))
            .map(ToOwned::to_owned)
    };
    let Some(allow) = allow else {
        return Vec::new();
    };
    let mut headers = Vec::new();
    if allow != "*" {
        headers.push(("Vary", "Origin".to_owned()));
    }
    headers.push(("Access-Control-Allow-Origin", allow));
    if let Some(methods) = preflight {
        headers.push(("Access-Control-Allow-Methods", methods.to_owned()));
        headers.push((
            "Access-Control-Allow-Headers",
            "Authorization, Content-Type, Idempotency-Key".into(),
        ));
        headers.push(("Access-Control-Max-Age", "86400".into()));
    }
    headers
}

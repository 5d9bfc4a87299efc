//! `canvass survey export ID`: every response to the caller's survey, as the server's CSV
//! (one row per response, one column per question) or as pretty JSON, to stdout or `-o FILE`.
//! An export is data: to a file or a pipe the CSV is the server's byte for byte, whatever
//! escape sequences its answers hold; only on a terminal are those shown as spaces (issue 13,
//! item 7). The JSON escapes them as `\uXXXX` everywhere, which keeps it exact once parsed.

use std::path::Path;

use crate::cli::{ExportArgs, ExportFormat};
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{self, Output};
use crate::client::session;

pub fn run(args: &ExportArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(false);
    let api = session::authenticated(cx, &out)?;
    let id = args.survey.id;
    let (text, responses) = match args.format {
        ExportFormat::Csv => {
            let csv = api.export_csv(id)?;
            let rows = csv_rows(&csv);
            (csv, rows)
        }
        ExportFormat::Json => {
            let export = api.export_json(id)?;
            let mut json = render::pretty_json(&export)?;
            json.push('\n');
            (json, export.responses.len() as u64)
        }
    };
    let Some(path) = &args.output else {
        return out.data(&text);
    };
    write(path, &text)?;
    // stdout carries no data when a file does, so the note can go there.
    out.line(&format!(
        "Wrote {} to {}",
        render::plural(responses, "response"),
        path.display()
    ))
}

/// Responses in the export: its records after the header. Counted by parsing, not by lines,
/// because a quoted text answer may hold line breaks.
fn csv_rows(text: &str) -> u64 {
    csv::Reader::from_reader(text.as_bytes()).records().count() as u64
}

fn write(path: &Path, text: &str) -> Result<(), ClientError> {
    std::fs::write(path, text).map_err(|source| ClientError::File {
        action: "write",
        path: path.to_owned(),
        source,
    })
}

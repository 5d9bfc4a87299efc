//! canvass's integration tests: each runs the real `canvass serve` binary on a loopback
//! port with its own database (`harness::server`) and speaks raw HTTP to it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod harness {
    pub mod cli;
    pub mod hostile_server;
    pub mod http;
    pub mod page;
    pub mod postgres;
    pub mod pty;
    pub mod seed;
    pub mod server;
    pub mod survey;
    pub mod token;
}

mod accounts;
mod admin;
mod admin_users;
mod bad_input;
mod contract;
mod copy_db;
mod durability;
mod generated;
mod hostile;
mod hostile_load;
mod hostile_proxy;
mod http_limits;
mod idempotency;
mod interactive;
mod jwt;
mod layout;
mod lifecycle;
mod metrics;
mod native;
mod offline;
mod openapi;
mod reliability;
mod replicas;
mod seed_bugs;
mod serve_database;
mod server_url;
mod settings;
mod slow_clients;
mod store;
mod survey_create;
mod survey_drafts;
mod survey_lifecycle_cli;
mod survey_owner;
mod survey_read;
mod survey_respond;
mod survey_share;
mod survey_wizard;
mod systemd;
mod terminal_escapes;
mod throttle;
mod token_times;
mod web;
mod web_sign_in;

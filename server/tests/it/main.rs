//! The integration tests: the real router over a real SQLite file per test (and a real SMTP
//! listener on 127.0.0.1 where mail is involved). One binary with a module per area, so the
//! server is linked once rather than once per file.

mod common;

mod abuse;
mod assets;
mod audit;
mod auth;
mod crash;
mod customer_list;
mod customers;
mod duplicates;
mod export;
mod hardening;
mod import;
mod instances;
mod labels;
mod mail;
mod notes;
mod operations;
mod overview;
mod permissions;
mod plans;
mod portal;
mod privacy;
mod saved_views;
mod security;
mod staff;

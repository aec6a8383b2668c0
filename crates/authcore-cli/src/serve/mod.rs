//! `authcore serve` and the commands around it: the OpenID provider over HTTP on the
//! embedded store, its configuration file, users, clients and keys.

pub mod config;

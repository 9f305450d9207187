//! HTTP clients for Janus's REST and admin APIs.
//!
//! reqwest is built with rustls but without a crypto provider of its own (the workspace
//! uses ring everywhere), so a client must be handed a TLS configuration: without one it
//! would panic looking for a process-wide default. HTTPS to Janus is verified against
//! the system's roots.

use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};

/// A client builder with verified TLS over ring; add timeouts and build.
pub fn client_builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    match tls_config() {
        Some(tls) => builder.tls_backend_preconfigured(tls),
        None => builder,
    }
}

/// A client with [`client_builder`]'s TLS and reqwest's defaults otherwise.
pub fn client() -> reqwest::Result<reqwest::Client> {
    client_builder().build()
}

fn tls_config() -> Option<ClientConfig> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    let (_added, _ignored) = roots.add_parsable_certificates(native.certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Some(config)
}

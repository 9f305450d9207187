//! How clients reach the bridge: stdio (the client starts the server as a child process)
//! or streamable HTTP on a loopback address, every request carrying
//! `Authorization: Bearer <token>`.
//!
//! Invariants: HTTP binds only to loopback addresses (anything else is refused before a
//! socket is opened), an empty token is refused, and the token is compared in constant
//! time and never logged.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

use crate::Bridge;

/// Why a transport could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    #[error("refusing to listen on {0}: only loopback addresses (127.0.0.1, ::1) are allowed")]
    NotLoopback(SocketAddr),
    #[error("the bearer token is empty")]
    EmptyToken,
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the MCP session failed")]
    Session(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the HTTP server failed")]
    Serve(#[source] std::io::Error),
}

/// Serves one client on stdin/stdout until it disconnects.
pub async fn serve_stdio(bridge: Bridge) -> Result<(), TransportError> {
    let running = bridge
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| TransportError::Session(Box::new(e)))?;
    running
        .waiting()
        .await
        .map_err(|e| TransportError::Session(Box::new(e)))?;
    Ok(())
}

/// A bound HTTP listener, ready to serve.
#[derive(Debug)]
pub struct HttpListener {
    listener: tokio::net::TcpListener,
    token: Arc<str>,
}

impl HttpListener {
    /// Binds `addr` (loopback only) for clients presenting `token`.
    pub async fn bind(addr: SocketAddr, token: &str) -> Result<HttpListener, TransportError> {
        if !addr.ip().is_loopback() {
            return Err(TransportError::NotLoopback(addr));
        }
        let token = token.trim();
        if token.is_empty() {
            return Err(TransportError::EmptyToken);
        }
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| TransportError::Bind { addr, source })?;
        Ok(HttpListener {
            listener,
            token: Arc::from(token),
        })
    }

    /// The address actually bound (port 0 picks a free port).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves `/mcp` until `cancel` fires.
    pub async fn serve(
        self,
        bridge: Bridge,
        cancel: CancellationToken,
    ) -> Result<(), TransportError> {
        let config =
            StreamableHttpServerConfig::default().with_cancellation_token(cancel.child_token());
        let service = StreamableHttpService::new(
            move || Ok(bridge.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        let token = self.token.clone();
        let app =
            axum::Router::new()
                .nest_service("/mcp", service)
                .layer(axum::middleware::from_fn(
                    move |req: Request, next: Next| {
                        let token = token.clone();
                        async move { authorize(&token, req, next).await }
                    },
                ));
        axum::serve(self.listener, app)
            .with_graceful_shutdown(async move { cancel.cancelled().await })
            .await
            .map_err(TransportError::Serve)
    }
}

async fn authorize(token: &str, req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if same(presented.as_bytes(), token.as_bytes()) {
        next.run(req).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "missing or wrong bearer token",
        )
            .into_response()
    }
}

/// Equality whose time does not depend on where the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }
}

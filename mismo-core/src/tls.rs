//! TLS server configuration shared by the services that speak TLS.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use crate::config::NodeSettings;

/// The server configuration from TLS_CERT_PATH/TLS_KEY_PATH, or, when they are
/// unset, from a self-signed pair kept in MISMO_DATA_DIR/tls (generated once,
/// with a warning, so development and tests work without a CA).
pub fn server_config(node: &NodeSettings) -> Result<Arc<ServerConfig>, String> {
    let (cert_path, key_path) = match &node.tls {
        Some(files) => (files.cert.clone(), files.key.clone()),
        None => {
            let dir = node.data_dir.join("tls");
            let cert = dir.join("self-signed-cert.pem");
            let key = dir.join("self-signed-key.pem");
            if !cert.exists() || !key.exists() {
                tracing::warn!(
                    "TLS_CERT_PATH/TLS_KEY_PATH unset: generating a self-signed certificate for {} in {}",
                    node.hostname,
                    dir.display()
                );
                generate_self_signed(&node.hostname, &cert, &key)?;
            }
            (cert, key)
        }
    };
    let certs = load_certs(&cert_path)?;
    let key = load_key(&key_path)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("{}: {e}", cert_path.display()))?;
    Ok(Arc::new(config))
}

fn generate_self_signed(hostname: &str, cert: &Path, key: &Path) -> Result<(), String> {
    let names = vec![hostname.to_string(), "localhost".to_string()];
    let pair = rcgen::generate_simple_self_signed(names).map_err(|e| format!("rcgen: {e}"))?;
    let dir = cert.parent().expect("cert path has a folder");
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // Several services may start at once: write aside, then rename into place.
    let tmp = |p: &Path| p.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(tmp(key), pair.signing_key.serialize_pem())
        .and_then(|_| std::fs::write(tmp(cert), pair.cert.pem()))
        .and_then(|_| std::fs::rename(tmp(key), key))
        .and_then(|_| std::fs::rename(tmp(cert), cert))
        .map_err(|e| format!("{}: {e}", dir.display()))
}

fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("TLS_CERT_PATH {}: {e}", path.display()))?;
    let certs = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("TLS_CERT_PATH {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "TLS_CERT_PATH {}: no certificate in it",
            path.display()
        ));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("TLS_KEY_PATH {}: {e}", path.display()))?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .map_err(|e| format!("TLS_KEY_PATH {}: {e}", path.display()))?
        .ok_or_else(|| format!("TLS_KEY_PATH {}: no private key in it", path.display()))
}

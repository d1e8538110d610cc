//! TLS server configuration shared by the services that speak TLS.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use crate::config::NodeSettings;

/// The server configuration from TLS_CERT_PATH/TLS_KEY_PATH, or, when they are
/// unset, from a self-signed pair kept in MISMO_DATA_DIR/tls (generated once,
/// with a warning, so development and tests work without a CA).
pub fn server_config(node: &NodeSettings) -> Result<Arc<ServerConfig>, String> {
    let (cert_path, key_path) = match &node.tls {
        Some(files) => (files.cert.clone(), files.key.clone()),
        None => self_signed(node)?,
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

/// The self-signed pair every service of this data directory serves.
///
/// Services that start together would otherwise each make one, and one
/// would serve a certificate matching neither the file on disk nor the
/// others' (a mail program that pinned one fails on the next). So the pair
/// is made once, under an exclusive lock on `tls/.lock`: whoever takes the
/// lock first writes both files aside and renames them into place (key,
/// then certificate, so both exist only when both are whole); the others
/// wait for the lock and find them there.
fn self_signed(node: &NodeSettings) -> Result<(PathBuf, PathBuf), String> {
    let dir = node.data_dir.join("tls");
    let cert = dir.join("self-signed-cert.pem");
    let key = dir.join("self-signed-key.pem");
    let fail = |e: std::io::Error| format!("{}: {e}", dir.display());
    std::fs::create_dir_all(&dir).map_err(fail)?;
    let lock = File::create(dir.join(".lock")).map_err(fail)?;
    lock.lock().map_err(fail)?;
    if !(cert.exists() && key.exists()) {
        tracing::warn!(
            "TLS_CERT_PATH/TLS_KEY_PATH unset: generating a self-signed certificate for {} in {}",
            node.hostname,
            dir.display()
        );
        let (cert_pem, key_pem) = generate(&node.hostname)?;
        let aside = |p: &Path| p.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(aside(&key), key_pem)
            .and_then(|_| std::fs::write(aside(&cert), cert_pem))
            .and_then(|_| std::fs::rename(aside(&key), &key))
            .and_then(|_| std::fs::rename(aside(&cert), &cert))
            .map_err(fail)?;
    }
    // Unlocked when `lock` is dropped, once the pair is there.
    Ok((cert, key))
}

/// A certificate for `hostname` (its subject's common name, and with
/// `localhost` its alternative names), and its key, in PEM.
fn generate(hostname: &str) -> Result<(String, String), String> {
    let names = vec![hostname.to_string(), "localhost".to_string()];
    let mut params = CertificateParams::new(names).map_err(|e| format!("rcgen: {e}"))?;
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, hostname);
    subject.push(DnType::OrganizationName, "Mismo self-signed");
    params.distinguished_name = subject;
    let key = KeyPair::generate().map_err(|e| format!("rcgen: {e}"))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("rcgen: {e}"))?;
    Ok((cert.pem(), key.serialize_pem()))
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

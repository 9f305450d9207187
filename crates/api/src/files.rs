//! Leaving the app: an attachment saved to the file the user picked, a link handed to the
//! system browser. The host owns the save dialog and the browser; this layer finds the
//! bytes, writes them safely and decides which links may leave at all.

use std::io::Write;
use std::path::PathBuf;

use crate::api::Api;
use crate::error::{ApiError, ApiResult};
use crate::types::parse_id;

impl Api {
    /// The file name attachment `index` of message `id` suggests: one path component,
    /// never `..` or a hidden file.
    pub async fn attachment_name(
        &self,
        account: &str,
        id: String,
        index: u32,
    ) -> ApiResult<String> {
        Ok(self.attachment(account, id, index).await?.filename)
    }

    /// Writes attachment `index` of message `id` to `path` and returns the path. The bytes
    /// go to a temporary file beside it first, renamed into place at the end, so a failure
    /// never leaves half a file nor harms one that was there.
    pub async fn save_attachment(
        &self,
        account: &str,
        id: String,
        index: u32,
        path: PathBuf,
    ) -> ApiResult<String> {
        let saved = self.attachment(account, id, index).await?;
        let shown = path.display().to_string();
        tokio::task::spawn_blocking(move || {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
                _ => PathBuf::from("."),
            };
            let cannot = |e: std::io::Error| ApiError::Invalid {
                message: format!("{} cannot be written: {e}", path.display()),
            };
            let mut file = tempfile::NamedTempFile::new_in(&dir).map_err(cannot)?;
            file.write_all(&saved.bytes).map_err(cannot)?;
            file.as_file().sync_all().map_err(cannot)?;
            file.persist(&path).map_err(|e| cannot(e.error))?;
            Ok::<(), ApiError>(())
        })
        .await
        .map_err(|e| ApiError::internal(format!("The attachment could not be saved: {e}")))??;
        Ok(shown)
    }

    async fn attachment(
        &self,
        account: &str,
        id: String,
        index: u32,
    ) -> ApiResult<mailcall_mail::reader::SavedAttachment> {
        let live = self.live(account).await?;
        let id = parse_id(&id)?;
        let (detail, _) = crate::mail::with_body(&live, id).await?;
        crate::reading::attachment(&live, &detail, index).await
    }
}

/// The address a link in a message may open outside the app: an absolute http, https or
/// mailto URL, returned in its parsed (normalized) form, which is what the user is shown
/// before it opens. Anything else (`javascript:`, `file:`, `data:`, app schemes, relative
/// links) is refused.
pub fn link_to_open(href: &str) -> ApiResult<String> {
    let refuse = || ApiError::invalid(format!("Mailcall does not open links like {href:?}."));
    let url = url::Url::parse(href.trim()).map_err(|_| refuse())?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url.to_string()),
        "mailto" => Ok(url.to_string()),
        _ => Err(refuse()),
    }
}

#[cfg(test)]
mod tests {
    use super::link_to_open;

    #[test]
    fn only_web_and_mail_links_leave_the_app() {
        for ok in [
            "https://example.com/a?b=c#d",
            "http://example.com",
            " https://exämple.com/ ",
            "mailto:someone@example.com",
        ] {
            assert!(link_to_open(ok).is_ok(), "{ok} refused");
        }
        assert_eq!(
            link_to_open("https://exämple.com/x").unwrap_or_default(),
            "https://xn--exmple-cua.com/x",
            "the shown address is the punycode one the browser will go to"
        );
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "tauri://localhost/",
            "/relative",
            "http://",
            "",
        ] {
            let err = link_to_open(bad).err().map(|e| e.kind());
            assert_eq!(err, Some("invalid"), "{bad:?} was let through");
        }
    }
}

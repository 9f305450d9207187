//! Linux webview setup: WebKitGTK keeps WebRTC, media streams and the
//! `MediaStreamTrackProcessing` feature off by default; calls need all three.
//!
//! This is the one module of the app allowed to use `unsafe`: webkit2gtk-rs 2.0.2 does not
//! bind the feature-list API of WebKitGTK ≥ 2.42 (`webkit_settings_get_all_features`,
//! `webkit_settings_set_feature_enabled`), so it is declared here. The declarations follow
//! WebKitGTK's `WebKitFeature.h` and `WebKitSettings.h`; the library itself is linked by
//! webkit2gtk-sys.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void, CStr};

use glib::object::ObjectType;
use webkit2gtk::{SettingsExt, WebViewExt};

use crate::commands::{WebviewSetting, WebviewSetup};

/// The WebKit feature that `VideoTrackGenerator` and `MediaStreamTrackProcessor` sit behind;
/// the native media engine renders decoded frames through them.
const TRACK_PROCESSING: &str = "MediaStreamTrackProcessing";

#[repr(C)]
struct FeatureList {
    _private: [u8; 0],
}

#[repr(C)]
struct Feature {
    _private: [u8; 0],
}

extern "C" {
    fn webkit_settings_get_all_features() -> *mut FeatureList;
    fn webkit_feature_list_get_length(list: *mut FeatureList) -> usize;
    fn webkit_feature_list_get(list: *mut FeatureList, index: usize) -> *mut Feature;
    fn webkit_feature_list_unref(list: *mut FeatureList);
    fn webkit_feature_get_identifier(feature: *mut Feature) -> *const c_char;
    fn webkit_settings_set_feature_enabled(settings: *mut c_void, feature: *mut Feature, on: c_int);
    fn webkit_settings_get_feature_enabled(settings: *mut c_void, feature: *mut Feature) -> c_int;
}

/// Switches on what calls need in `view` and reports what is on afterwards.
pub fn configure(view: &webkit2gtk::WebView) -> WebviewSetup {
    let mut settings_out = Vec::new();
    let Some(settings) = WebViewExt::settings(view) else {
        return WebviewSetup {
            engine: engine_name(),
            settings: vec![off("settings", "the webview has no settings object")],
        };
    };
    settings.set_enable_webrtc(true);
    settings.set_enable_media_stream(true);
    settings.set_enable_mediasource(true);
    // Incoming call audio must play without a click on the page first.
    settings.set_media_playback_requires_user_gesture(false);
    // Tests run without a camera; WebKit's mock devices stand in for one.
    if std::env::var_os("MAILCALL_MOCK_CAPTURE").is_some() {
        settings.set_enable_mock_capture_devices(true);
    }
    settings_out.push(on("enable-webrtc", settings.enables_webrtc()));
    settings_out.push(on("enable-media-stream", settings.enables_media_stream()));
    settings_out.push(
        match enable_feature(settings.as_ptr().cast(), TRACK_PROCESSING) {
            Ok(enabled) => on(TRACK_PROCESSING, enabled),
            Err(why) => off(TRACK_PROCESSING, &why),
        },
    );
    WebviewSetup {
        engine: engine_name(),
        settings: settings_out,
    }
}

fn engine_name() -> String {
    "WebKitGTK".to_owned()
}

fn on(name: &str, enabled: bool) -> WebviewSetting {
    let note = (!enabled).then(|| "the webview refused the setting".to_owned());
    WebviewSetting {
        name: name.to_owned(),
        enabled,
        note,
    }
}

fn off(name: &str, why: &str) -> WebviewSetting {
    WebviewSetting {
        name: name.to_owned(),
        enabled: false,
        note: Some(why.to_owned()),
    }
}

/// Enables the WebKit feature called `identifier`; returns whether it is on afterwards.
fn enable_feature(settings: *mut c_void, identifier: &str) -> Result<bool, String> {
    // SAFETY: `settings` is a live WebKitSettings owned by the view for the duration of
    // this call. The feature list is owned by us until `webkit_feature_list_unref`, and the
    // features it hands out stay valid while the list is alive; identifiers are static
    // NUL-terminated strings owned by WebKit.
    unsafe {
        let list = webkit_settings_get_all_features();
        if list.is_null() {
            return Err("WebKitGTK returned no feature list".to_owned());
        }
        let mut result = Err(format!("this WebKitGTK has no feature {identifier}"));
        for index in 0..webkit_feature_list_get_length(list) {
            let feature = webkit_feature_list_get(list, index);
            let id = webkit_feature_get_identifier(feature);
            if feature.is_null() || id.is_null() {
                continue;
            }
            if CStr::from_ptr(id).to_bytes() == identifier.as_bytes() {
                webkit_settings_set_feature_enabled(settings, feature, 1);
                result = Ok(webkit_settings_get_feature_enabled(settings, feature) != 0);
                break;
            }
        }
        webkit_feature_list_unref(list);
        result
    }
}

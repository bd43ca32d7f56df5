//! The session's locked-down browser: a wry child webview (WebKitGTK) under the kiosk's top bar.
//!
//! Every navigation, redirect and new-window request goes through the session's [`Matcher`];
//! downloads are limited to the policy's types and land in the session folder; the context menu,
//! the print dialog and GTK's file chooser are refused (uploads offer the session's documents).
//! The session's own documents are shown through the `kiosk-doc:` scheme, one at a time, only
//! when the kiosk opens one. What happens is queued as [`WebEvent`]s, drained by the kiosk after
//! each GTK pump: GTK callbacks run on the UI thread during the pump.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gtk::prelude::*;
use protocol::{Context, Matcher};
use raw_window_handle::{HandleError, HasWindowHandle, RawWindowHandle, WindowHandle, XlibWindowHandle};
use url::Url;
use webkit2gtk::{
    FileChooserRequestExt, NavigationPolicyDecision, NavigationPolicyDecisionExt, PolicyDecisionExt,
    PolicyDecisionType, PrintOperationExt, ResponsePolicyDecision, ResponsePolicyDecisionExt, SettingsExt,
    URIRequestExt, URIResponseExt, WebViewExt,
};
use wry::dpi::{LogicalPosition, LogicalSize};
use wry::{NewWindowResponse, Rect, WebViewBuilder, WebViewExtUnix};

use crate::refusal::Refusal;

/// The scheme of the session's documents shown in the webview.
const DOCUMENT_SCHEME: &str = "kiosk-doc";

/// Something the page did that the kiosk must react to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebEvent {
    /// A navigation (page, redirect, frame or new window) was refused; `reason` is for volunteers.
    Blocked {
        /// Why.
        reason: Refusal,
        /// Whether the resident asked for it (a click, or a redirect after one): then the kiosk
        /// says so. A frame or a script of the page that is refused is only counted.
        shown: bool,
    },
    /// A new window to an allowed page was asked for; the kiosk opens it inside.
    NewWindow(String),
    /// A page finished loading.
    Loaded,
    /// A download of an allowed type finished in the session folder.
    Downloaded,
    /// A download was refused (type not allowed, or it failed).
    DownloadRefused,
    /// The page asked for a file to upload: the kiosk offers the session's documents, then
    /// answers with [`Browser::answer_upload`].
    UploadRequested,
    /// The page was printed to this PDF file, ready to send to the printer.
    PrintedToPdf(PathBuf),
    /// The page could not be printed to PDF.
    PrintToPdfFailed(String),
}

/// The parent X11 window, by id, for `build_as_child`.
#[derive(Debug, Clone, Copy)]
pub struct ParentWindow(pub u64);

impl HasWindowHandle for ParentWindow {
    #[allow(unsafe_code)]
    fn window_handle(&self) -> Result<WindowHandle<'_>, HandleError> {
        let handle = RawWindowHandle::Xlib(XlibWindowHandle::new(self.0 as std::ffi::c_ulong));
        // SAFETY: an X11 window id is a number, not a pointer, and wry only reads it; the kiosk's
        // window outlives every webview created in it.
        Ok(unsafe { WindowHandle::borrow_raw(handle) })
    }
}

/// Where the webview sits in the kiosk window, in logical pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Left edge.
    pub x: f32,
    /// Top edge (below the top bar).
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

impl Bounds {
    fn rect(self) -> Rect {
        Rect {
            position: LogicalPosition::new(f64::from(self.x), f64::from(self.y)).into(),
            size: LogicalSize::new(f64::from(self.width.max(1.0)), f64::from(self.height.max(1.0))).into(),
        }
    }
}

/// What the browser of one session needs to know.
pub struct BrowserSetup<'a> {
    /// The kiosk's window.
    pub parent: ParentWindow,
    /// Where to put the webview.
    pub bounds: Bounds,
    /// The first page.
    pub start: &'a Url,
    /// What the session may visit.
    pub matcher: Rc<RefCell<Matcher>>,
    /// Where downloads go.
    pub downloads: &'a Path,
    /// MIME types that may be downloaded.
    pub download_types: Vec<String>,
    /// Updated on every key, click, touch or pointer move inside the page.
    pub last_input: Rc<Cell<Instant>>,
}

/// One session's webview.
pub struct Browser {
    webview: wry::WebView,
    events: Rc<RefCell<VecDeque<WebEvent>>>,
    /// The page being printed to PDF, kept alive until WebKit is done with it.
    print: RefCell<Option<webkit2gtk::PrintOperation>>,
    /// The page's pending request for a file to upload.
    upload: Rc<RefCell<Option<webkit2gtk::FileChooserRequest>>>,
    /// The session document shown now, the only one `kiosk-doc:` serves.
    shown_document: Arc<Mutex<Option<PathBuf>>>,
}

impl Browser {
    /// Creates the webview (incognito: its cookies, storage and cache live only in memory and die
    /// with it) and loads the start page.
    pub fn open(setup: BrowserSetup<'_>) -> Result<Self, wry::Error> {
        let events: Rc<RefCell<VecDeque<WebEvent>>> = Rc::default();
        let new_window = {
            let (events, matcher) = (events.clone(), setup.matcher.clone());
            move |url: String, _features| {
                let decision = matcher.borrow().explain_str(&url, Context::TopLevel).map(drop);
                match decision {
                    Ok(_) => events.borrow_mut().push_back(WebEvent::NewWindow(url)),
                    Err(reason) => events
                        .borrow_mut()
                        .push_back(WebEvent::Blocked { reason: Refusal::Policy(reason), shown: true }),
                }
                // Opening a real new window from a child webview aborts inside wry: the kiosk loads
                // allowed pages itself.
                NewWindowResponse::Deny
            }
        };
        let download_started = {
            let (events, downloads) = (events.clone(), setup.downloads.to_owned());
            move |_url: String, path: &mut PathBuf| match safe_destination(&downloads, path) {
                Some(destination) => {
                    *path = destination;
                    true
                }
                None => {
                    events.borrow_mut().push_back(WebEvent::DownloadRefused);
                    false
                }
            }
        };
        let download_completed = {
            let events = events.clone();
            move |_url: String, _path: Option<PathBuf>, ok: bool| {
                let event = if ok { WebEvent::Downloaded } else { WebEvent::DownloadRefused };
                events.borrow_mut().push_back(event);
            }
        };
        let shown_document: Arc<Mutex<Option<PathBuf>>> = Arc::default();
        let serve = {
            let shown = shown_document.clone();
            move |_id: wry::WebViewId<'_>, _request: wry::http::Request<Vec<u8>>| serve_document(&shown)
        };
        let webview = WebViewBuilder::new()
            .with_incognito(true)
            .with_custom_protocol(DOCUMENT_SCHEME.into(), serve)
            .with_bounds(setup.bounds.rect())
            .with_devtools(false)
            .with_new_window_req_handler(new_window)
            .with_download_started_handler(download_started)
            .with_download_completed_handler(download_completed)
            .build_as_child(&setup.parent)?;
        let browser =
            Self { webview, events, print: RefCell::default(), upload: Rc::default(), shown_document };
        browser.lock_down(setup.matcher, setup.download_types, setup.last_input);
        browser.load(setup.start.as_str());
        Ok(browser)
    }

    /// Connects the WebKitGTK signals wry does not reach.
    fn lock_down(
        &self,
        matcher: Rc<RefCell<Matcher>>,
        download_types: Vec<String>,
        last_input: Rc<Cell<Instant>>,
    ) {
        let view = self.webview.webview();
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_enable_developer_extras(false);
            settings.set_javascript_can_open_windows_automatically(true);
            settings.set_allow_file_access_from_file_urls(false);
            settings.set_allow_universal_access_from_file_urls(false);
            settings.set_enable_write_console_messages_to_stdout(false);
        }
        view.connect_context_menu(|_, _, _, _| true);
        view.connect_print(|_, _| true);
        // Never GTK's file chooser (the whole disk): the kiosk shows the session's documents.
        let (events, upload) = (self.events.clone(), self.upload.clone());
        view.connect_run_file_chooser(move |_, request| {
            if let Some(earlier) = upload.borrow_mut().replace(request.clone()) {
                earlier.cancel();
            }
            events.borrow_mut().push_back(WebEvent::UploadRequested);
            true
        });
        let events = self.events.clone();
        view.connect_load_changed(move |_, event| {
            if event == webkit2gtk::LoadEvent::Finished {
                events.borrow_mut().push_back(WebEvent::Loaded);
            }
        });
        let last_pointer = Cell::new(None::<(f64, f64)>);
        view.connect_event(move |_, event| {
            use gtk::gdk::EventType::*;
            let input = match event.event_type() {
                KeyPress | ButtonPress | TouchBegin | Scroll => true,
                // Showing the page under a still pointer sends motion events too: only a real
                // move is input.
                MotionNotify => {
                    let position = event.root_coords();
                    let moved = match (last_pointer.get(), position) {
                        (Some((x0, y0)), Some((x, y))) => (x - x0).abs() > 2.0 || (y - y0).abs() > 2.0,
                        _ => true,
                    };
                    last_pointer.set(position);
                    moved
                }
                _ => false,
            };
            if input {
                last_input.set(Instant::now());
            }
            gtk::glib::Propagation::Proceed
        });
        let (events, shown) = (self.events.clone(), self.shown_document.clone());
        view.connect_decide_policy(move |_, decision, kind| {
            match kind {
                PolicyDecisionType::NavigationAction | PolicyDecisionType::NewWindowAction => {
                    let Some(navigation) = decision.downcast_ref::<NavigationPolicyDecision>() else {
                        return false;
                    };
                    let mut action = navigation.navigation_action();
                    let uri = action
                        .as_ref()
                        .and_then(|action| action.request())
                        .and_then(|request| request.uri())
                        .map(|uri| uri.to_string())
                        .unwrap_or_default();
                    let asked = kind == PolicyDecisionType::NewWindowAction
                        || action.as_mut().is_some_and(|a| a.is_user_gesture() || a.is_redirect());
                    if uri.starts_with(DOCUMENT_SCHEME) {
                        // Only the kiosk opens documents (then one is shown); never a page.
                        let opened = shown.lock().is_ok_and(|d| d.is_some());
                        if opened && kind == PolicyDecisionType::NavigationAction {
                            decision.use_();
                        } else {
                            decision.ignore();
                            let reason = Refusal::SessionDocument;
                            events.borrow_mut().push_back(WebEvent::Blocked { reason, shown: false });
                        }
                        return true;
                    }
                    // Leaving a document for a page: the document is no longer served.
                    if let Ok(mut document) = shown.lock() {
                        *document = None;
                    }
                    let verdict = matcher.borrow().explain_str(&uri, Context::TopLevel).map(drop);
                    match verdict {
                        Ok(_) if kind == PolicyDecisionType::NavigationAction => decision.use_(),
                        Ok(_) => {
                            // A target=_blank link: open it inside, like window.open.
                            decision.ignore();
                            events.borrow_mut().push_back(WebEvent::NewWindow(uri));
                        }
                        Err(reason) => {
                            decision.ignore();
                            let blocked = WebEvent::Blocked { reason: Refusal::Policy(reason), shown: asked };
                            events.borrow_mut().push_back(blocked);
                        }
                    }
                    true
                }
                PolicyDecisionType::Response => {
                    let Some(response) = decision.downcast_ref::<ResponsePolicyDecision>() else {
                        return false;
                    };
                    let answer = response.response();
                    let attachment = answer
                        .as_ref()
                        .and_then(|r| r.http_headers())
                        .and_then(|headers| headers.one("Content-Disposition"))
                        .is_some_and(|value| {
                            value.trim_start().to_ascii_lowercase().starts_with("attachment")
                        });
                    let document =
                        answer.as_ref().and_then(|r| r.uri()).is_some_and(|u| u.starts_with(DOCUMENT_SCHEME));
                    if document || (response.is_mime_type_supported() && !attachment) {
                        return false;
                    }
                    // Not something to show: a download, allowed only for the policy's types.
                    let mime = answer.and_then(|r| r.mime_type()).map(|m| m.to_string());
                    if mime.is_some_and(|mime| download_types.contains(&mime)) {
                        decision.download();
                    } else {
                        decision.ignore();
                        events.borrow_mut().push_back(WebEvent::DownloadRefused);
                    }
                    true
                }
                _ => false,
            }
        });
    }

    /// Loads a page (the matcher still decides, as for any navigation).
    pub fn load(&self, url: &str) {
        if let Err(error) = self.webview.load_url(url) {
            tracing::warn!(%error, "could not load a page");
        }
    }

    /// Prints the page to a PDF file (A4), without any dialog; [`WebEvent::PrintedToPdf`] or
    /// [`WebEvent::PrintToPdfFailed`] follows.
    pub fn print_to_pdf(&self, destination: &Path) {
        let settings = gtk::PrintSettings::new();
        // GTK's file printer goes by its translated name.
        settings.set_printer(&gtk::glib::dgettext(Some("gtk30"), "Print to File"));
        let uri = match Url::from_file_path(destination) {
            Ok(uri) => uri,
            Err(()) => {
                let error = format!("{} is not an absolute path", destination.display());
                self.events.borrow_mut().push_back(WebEvent::PrintToPdfFailed(error));
                return;
            }
        };
        settings.set("output-uri", Some(uri.as_str()));
        settings.set("output-file-format", Some("pdf"));
        let a4 = gtk::PaperSize::new(Some(gtk::PAPER_NAME_A4));
        settings.set_paper_size(&a4);
        let page_setup = gtk::PageSetup::new();
        page_setup.set_paper_size_and_default_margins(&a4);
        let operation = webkit2gtk::PrintOperation::new(&self.webview.webview());
        operation.set_print_settings(&settings);
        operation.set_page_setup(&page_setup);
        let (events, file) = (self.events.clone(), destination.to_owned());
        operation.connect_finished(move |_| {
            // `failed` comes before `finished` when it fails.
            let mut events = events.borrow_mut();
            if !matches!(events.back(), Some(WebEvent::PrintToPdfFailed(_))) {
                events.push_back(WebEvent::PrintedToPdf(file.clone()));
            }
        });
        let events = self.events.clone();
        operation.connect_failed(move |_, error| {
            events.borrow_mut().push_back(WebEvent::PrintToPdfFailed(error.to_string()));
        });
        operation.print();
        *self.print.borrow_mut() = Some(operation);
    }

    /// Shows one of the session's documents (a PDF or an image) in place of the page; "back"
    /// returns to the page.
    pub fn show_document(&self, path: &Path) {
        if let Ok(mut shown) = self.shown_document.lock() {
            *shown = Some(path.to_owned());
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut url = Url::parse(&format!("{DOCUMENT_SCHEME}://session/")).expect("a valid URL");
        url.path_segments_mut().expect("a hierarchical URL").push(&name);
        self.load(url.as_str());
    }

    /// The session document shown now, if the webview shows one.
    pub fn shown_document(&self) -> Option<PathBuf> {
        self.shown_document.lock().ok().and_then(|d| d.clone())
    }

    /// Answers the page's request for a file: the chosen document, or nothing (cancelled).
    pub fn answer_upload(&self, file: Option<&Path>) {
        let Some(request) = self.upload.borrow_mut().take() else { return };
        match file.and_then(Path::to_str) {
            Some(path) => request.select_files(&[path]),
            None => request.cancel(),
        }
    }

    /// Goes back one page, if there is one.
    pub fn back(&self) {
        let view = self.webview.webview();
        if view.can_go_back() {
            view.go_back();
        }
    }

    /// Shows or hides the webview (hidden under the kiosk's own screens and dialogs).
    pub fn set_visible(&self, visible: bool) {
        let _ = self.webview.set_visible(visible);
    }

    /// Moves the webview.
    pub fn set_bounds(&self, bounds: Bounds) {
        let _ = self.webview.set_bounds(bounds.rect());
    }

    /// Page zoom: 1.0 normally, larger with the large-text option.
    pub fn set_zoom(&self, zoom: f64) {
        self.webview.webview().set_zoom_level(zoom);
    }

    /// The page's `document.title`.
    pub fn title(&self) -> String {
        self.webview.webview().title().map(|t| t.to_string()).unwrap_or_default()
    }

    /// The events queued since the last call.
    pub fn drain_events(&self) -> Vec<WebEvent> {
        self.events.borrow_mut().drain(..).collect()
    }
}

/// The download's destination inside the session's folder: the suggested file name stripped of
/// any directory part, made unique. `None` when no usable name is left.
fn safe_destination(downloads: &Path, suggested: &Path) -> Option<PathBuf> {
    let name = suggested.file_name()?.to_string_lossy().replace(['/', '\\'], "_");
    let name = name.trim_start_matches('.');
    if name.is_empty() {
        return None;
    }
    let mut destination = downloads.join(name);
    let mut counter = 1;
    while destination.exists() {
        destination = downloads.join(format!("{counter}-{name}"));
        counter += 1;
    }
    Some(destination)
}

/// The answer of the `kiosk-doc:` scheme: the document the kiosk opened, whatever was asked.
fn serve_document(shown: &Mutex<Option<PathBuf>>) -> wry::http::Response<std::borrow::Cow<'static, [u8]>> {
    let path = shown.lock().ok().and_then(|d| d.clone());
    let document = path.and_then(|path| {
        let mime = match crate::documents::kind_of(&path) {
            crate::documents::Kind::Pdf => "application/pdf",
            crate::documents::Kind::Jpeg => "image/jpeg",
            crate::documents::Kind::Png => "image/png",
            crate::documents::Kind::Other => "application/octet-stream",
        };
        std::fs::read(&path).ok().map(|bytes| (mime, bytes))
    });
    let builder = wry::http::Response::builder().header("Cache-Control", "no-store");
    let response = match document {
        Some((mime, bytes)) => builder.status(200).header("Content-Type", mime).body(bytes.into()),
        None => builder.status(404).header("Content-Type", "text/plain").body(b"closed".to_vec().into()),
    };
    response.expect("a valid response")
}

/// Runs GTK's pending work: page painting, WebKit callbacks, clipboard requests.
pub fn pump_gtk() {
    while gtk::events_pending() {
        gtk::main_iteration_do(false);
    }
}

/// Empties the X11 clipboard and primary selection (what a resident copied).
pub fn clear_clipboard() {
    for selection in [gtk::gdk::SELECTION_CLIPBOARD, gtk::gdk::SELECTION_PRIMARY] {
        let clipboard = gtk::Clipboard::get(&selection);
        clipboard.set_text("");
        clipboard.clear();
    }
    pump_gtk();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_stay_in_the_session_folder() {
        let dir = tempfile::tempdir().unwrap();
        let downloads = dir.path();
        let first = safe_destination(downloads, Path::new("/home/x/attestation.pdf")).unwrap();
        assert_eq!(first, downloads.join("attestation.pdf"));
        std::fs::write(&first, b"x").unwrap();
        assert_eq!(
            safe_destination(downloads, Path::new("attestation.pdf")).unwrap(),
            downloads.join("1-attestation.pdf")
        );
        assert_eq!(
            safe_destination(downloads, Path::new("../../.bashrc")).unwrap(),
            downloads.join("bashrc")
        );
        assert_eq!(safe_destination(downloads, Path::new("/")), None);
    }
}

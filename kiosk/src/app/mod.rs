//! The kiosk window: home tiles, the session's browser under the kiosk's top bar, the dialogs,
//! and the session lifecycle (start, idle countdown, end and verified wipe).

mod bench;
mod print;
mod scan;
mod session;
mod view;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use iced::keyboard::{self, key::Named};
use iced::{Event, Size, Subscription, Task, Theme, event, time, window};
use protocol::health::WipeStatus;
use protocol::{Language, ProcedureId, SessionEnd, SessionTally};
use url::Url;

pub use bench::BenchPlan;
use bench::BenchRun;
use print::{PrintRun, PrintView};
use scan::{ScanRun, ScanView};
use session::Session;

use crate::browser::{self, Bounds, Browser, BrowserSetup, ParentWindow, WebEvent};
use crate::config::KioskConfig;
use crate::i18n::Texts;
use crate::idle::IdleState;
use crate::outbox::Outbox;
use crate::policy_keeper::{Check, PolicyKeeper};
use crate::session_store::SessionStore;
use crate::status::KioskStatus;
use crate::volunteer;

/// Height of the kiosk's own top bar above the webview, in logical pixels.
pub const TOP_BAR: f32 = 76.0;
/// How long a notice (download saved, upload refused…) stays in the top bar.
const NOTICE_FOR: Duration = Duration::from_secs(8);
/// How often the status file is rewritten (the agent reads a stale one as "kiosk stopped").
const STATUS_EVERY: Duration = Duration::from_secs(60);
/// How often usage records the outbox could not take are tried again.
const UNWRITTEN_RETRY_EVERY: Duration = Duration::from_secs(3);

/// Everything the kiosk needs to start.
#[derive(Debug, Clone)]
pub struct Options {
    /// The policy file (installed by the agent).
    pub policy: PathBuf,
    /// The station directory.
    pub state_dir: PathBuf,
    /// The kiosk configuration.
    pub config: KioskConfig,
    /// When the process started, for the cold-start figure.
    pub process_start: Instant,
    /// A measurement run instead of normal service.
    pub bench: Option<BenchPlan>,
}

/// The dialog or kiosk page shown instead of the web page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// Nothing: the home screen or the web page.
    None,
    /// "Finish and erase my data?"
    ConfirmEnd,
    /// Help text, and why the last page was blocked.
    Help,
    /// The volunteer PIN entry.
    Pin {
        /// Digits typed so far.
        entry: String,
        /// The last attempt was wrong (or volunteer mode is off).
        error: Option<&'static str>,
    },
    /// A navigation was refused.
    Blocked,
    /// What happens to the document being printed.
    Print,
    /// "Mes documents": the session's downloads and scans; with `chooser`, the page asked for a
    /// file to upload and the resident picks one.
    Documents {
        /// The list answers an upload request.
        chooser: bool,
    },
}

/// The resident's choices for this session; reset by the wipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefs {
    /// Interface language.
    pub language: Language,
    /// Larger text (and page zoom).
    pub large_text: bool,
    /// High-contrast colours.
    pub high_contrast: bool,
    /// A volunteer unlocked accompaniment before the session started.
    pub assisted_next: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self { language: Language::french(), large_text: false, high_contrast: false, assisted_next: false }
    }
}

/// Messages of the kiosk window.
#[derive(Debug, Clone)]
pub enum Message {
    /// The kiosk window was opened.
    WindowOpened(window::Id),
    /// The window's X11 id arrived (`None` if it is not an X11 window).
    ParentWindow(Option<u64>),
    /// The size of the window's monitor arrived: the kiosk covers it all.
    MonitorSize(Option<Size>),
    /// The window was resized.
    Resized(Size),
    /// Regular tick: pump GTK, read the webview's events, run the idle countdown.
    Tick,
    /// Slow tick: look at the policy file, refresh the status file.
    SlowTick,
    /// A key was pressed in the kiosk's own screens.
    Key(keyboard::Key),
    /// Any other input (click, touch) in the kiosk's own screens.
    Input,
    /// The pointer is at this position (sent on every move, and when a window appears under it).
    Pointer(iced::Point),
    /// A tile was chosen.
    OpenProcedure(ProcedureId),
    /// Top bar: back to the tiles, session kept.
    Home,
    /// Top bar: back to the web page from the tiles.
    ResumePage,
    /// Top bar: previous page.
    Back,
    /// Top bar: close the page opened as a new window.
    CloseNewWindow,
    /// Top bar: help.
    Help,
    /// Top bar: "Finish and erase my data" (asks first).
    AskEnd,
    /// The resident confirmed the end.
    ConfirmEnd,
    /// A dialog was dismissed.
    Dismiss,
    /// "Yes, I'm still here" during the countdown.
    StillHere,
    /// A language was chosen.
    SetLanguage(Language),
    /// Large text on/off.
    ToggleLargeText,
    /// High contrast on/off.
    ToggleHighContrast,
    /// The discreet "Accompagnement" control.
    OpenPin,
    /// The PIN field changed.
    PinChanged(String),
    /// The PIN was submitted.
    PinSubmit,
    /// Top bar: print the page shown.
    PrintPage,
    /// Top bar: "Mes documents".
    OpenDocuments,
    /// "Numériser un document".
    Scan,
    /// Show one of the session's documents in place of the page.
    ViewDocument(PathBuf),
    /// Print one of the session's documents.
    PrintDocument(PathBuf),
    /// Delete one of the session's documents.
    DeleteDocument(PathBuf),
    /// Send one of the session's documents to the page that asked for a file.
    ChooseDocument(PathBuf),
}

/// The kiosk's state.
pub struct Kiosk {
    texts: Texts,
    keeper: Option<PolicyKeeper>,
    policy_path: PathBuf,
    config: KioskConfig,
    state_dir: PathBuf,
    store: SessionStore,
    outbox: Option<Outbox>,
    /// Records the outbox could not take yet (e.g. a full disk), retried every minute and at
    /// each session end, oldest first.
    unwritten: Vec<protocol::UsageRecord>,
    status: KioskStatus,
    window: Option<window::Id>,
    parent: Option<ParentWindow>,
    size: Size,
    session: Option<Session>,
    prefs: Prefs,
    overlay: Overlay,
    showing_web: bool,
    focused_tile: usize,
    /// Whether the resident moves between tiles with the keyboard (then the chosen tile is marked).
    keyboard_focus: bool,
    last_pointer: Option<iced::Point>,
    notice: Option<(String, Instant)>,
    status_written: Instant,
    bench: Option<BenchRun>,
    process_start: Instant,
}

impl Kiosk {
    /// Starts the kiosk: wipes sessions left by a crash, loads the policy, opens the window.
    pub fn new(options: Options) -> (Self, Task<Message>) {
        let store = SessionStore::new(&options.state_dir);
        printing::tls::remember_certificates_in(options.state_dir.join("printer-certificates"));
        let mut outbox = match Outbox::open(&options.state_dir) {
            Ok(outbox) => Some(outbox),
            Err(error) => {
                tracing::error!(%error, "the usage outbox cannot be opened; sessions will not be counted");
                None
            }
        };
        if let Some(outbox) = outbox.as_mut() {
            match store.recover(outbox) {
                Ok(recovered) if !recovered.is_empty() => {
                    tracing::info!(count = recovered.len(), "wiped sessions left by a crash");
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "could not recover the sessions left by a crash"),
            }
        }
        let mut status = KioskStatus::new();
        let keeper = match PolicyKeeper::load(&options.policy) {
            Ok(keeper) => Some(keeper),
            Err(error) => {
                tracing::error!(%error, "no usable policy yet; the station shows that it is not ready");
                status.policy_error = Some(error);
                None
            }
        };
        let kiosk = Self {
            texts: Texts::new(),
            keeper,
            policy_path: options.policy,
            config: options.config,
            state_dir: options.state_dir.clone(),
            store,
            outbox,
            status,
            window: None,
            parent: None,
            size: Size::new(1280.0, 800.0),
            session: None,
            prefs: Prefs::default(),
            overlay: Overlay::None,
            showing_web: false,
            focused_tile: 0,
            keyboard_focus: false,
            last_pointer: None,
            notice: None,
            status_written: Instant::now(),
            unwritten: Vec::new(),
            bench: options.bench.map(BenchRun::new),
            process_start: options.process_start,
        };
        let mut kiosk = kiosk;
        kiosk.write_status();
        (kiosk, Task::none())
    }

    /// The window title.
    pub fn title(&self) -> String {
        self.texts.get(&self.prefs.language, "window-title")
    }

    /// The theme: light, or high contrast for the session.
    pub fn theme(&self) -> Theme {
        if self.prefs.high_contrast { view::high_contrast_theme() } else { Theme::Light }
    }

    /// Background work: window events, GTK pumping, policy checks, input.
    pub fn subscription(&self) -> Subscription<Message> {
        let web_visible = self.showing_web && self.overlay == Overlay::None;
        let bench_session = self.bench.as_ref().is_some_and(|b| b.idling_since.is_none());
        let printing = self.session.as_ref().is_some_and(|s| s.print_view == Some(PrintView::Preparing));
        let tick = if web_visible || bench_session || printing {
            Duration::from_millis(16)
        } else {
            Duration::from_millis(250)
        };
        Subscription::batch([
            window::open_events().map(Message::WindowOpened),
            window::resize_events().map(|(_, size)| Message::Resized(size)),
            time::every(tick).map(|_| Message::Tick),
            time::every(Duration::from_secs(2)).map(|_| Message::SlowTick),
            event::listen_with(input_message),
        ])
    }

    /// Handles one message.
    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::WindowOpened(id) => return self.window_opened(id),
            Message::ParentWindow(id) => return self.parent_window(id),
            Message::MonitorSize(size) => return self.cover_monitor(size),
            Message::Resized(size) => self.resized(size),
            Message::Tick => return self.tick(),
            Message::SlowTick => self.slow_tick(),
            Message::Key(key) => return self.key(key),
            Message::Input => self.input(),
            Message::Pointer(position) => self.pointer(position),
            Message::OpenProcedure(id) => self.open_procedure(&id, None),
            Message::Home => self.show_home(),
            Message::ResumePage => self.show_page(),
            Message::Back => self.back(),
            Message::CloseNewWindow => self.close_new_window(),
            Message::Help => self.set_overlay(Overlay::Help),
            Message::AskEnd => self.set_overlay(Overlay::ConfirmEnd),
            Message::ConfirmEnd => self.end_session(SessionEnd::User),
            Message::Dismiss => self.dismiss(),
            Message::StillHere => self.input(),
            Message::SetLanguage(language) => self.set_language(language),
            Message::ToggleLargeText => self.toggle_large_text(),
            Message::ToggleHighContrast => self.prefs.high_contrast = !self.prefs.high_contrast,
            Message::OpenPin => {
                self.set_overlay(Overlay::Pin { entry: String::new(), error: None });
                return iced::widget::operation::focus(view::PIN_FIELD);
            }
            Message::PinChanged(entry) => self.pin_changed(entry),
            Message::PinSubmit => self.pin_submit(),
            Message::PrintPage => self.print_page(),
            Message::OpenDocuments => self.open_documents(false),
            Message::Scan => self.scan(),
            Message::ViewDocument(path) => self.view_document(&path),
            Message::PrintDocument(path) => self.print_document(&path),
            Message::DeleteDocument(path) => self.delete_document(&path),
            Message::ChooseDocument(path) => self.choose_document(&path),
        }
        Task::none()
    }

    fn window_opened(&mut self, id: window::Id) -> Task<Message> {
        self.window = Some(id);
        let handle = window::run(id, |window| {
            use raw_window_handle::RawWindowHandle;
            match window.window_handle().map(|h| h.as_raw()) {
                Ok(RawWindowHandle::Xlib(handle)) => Some(handle.window),
                Ok(RawWindowHandle::Xcb(handle)) => Some(u64::from(handle.window.get())),
                _ => None,
            }
        })
        .map(Message::ParentWindow);
        Task::batch([window::monitor_size(id).map(Message::MonitorSize), handle])
    }

    /// Full screen even without a window manager (as on a bare X session or Xvfb), where the
    /// full-screen request alone does nothing.
    fn cover_monitor(&mut self, size: Option<Size>) -> Task<Message> {
        match (self.window, size) {
            (Some(id), Some(size)) => {
                Task::batch([window::move_to(id, iced::Point::ORIGIN), window::resize(id, size)])
            }
            _ => Task::none(),
        }
    }

    fn parent_window(&mut self, id: Option<u64>) -> Task<Message> {
        match id {
            Some(id) => self.parent = Some(ParentWindow(id)),
            None => tracing::error!("the kiosk window is not an X11 window: web pages cannot be shown"),
        }
        tracing::info!(elapsed_ms = self.process_start.elapsed().as_millis(), "home screen ready");
        if self.bench.is_some() {
            let cold_start = self.process_start.elapsed();
            return self.bench_start(cold_start);
        }
        Task::none()
    }

    fn resized(&mut self, size: Size) {
        self.size = size;
        if let Some(browser) = self.session.as_ref().and_then(|s| s.browser.as_ref()) {
            browser.set_bounds(self.web_bounds());
        }
    }

    fn web_bounds(&self) -> Bounds {
        Bounds { x: 0.0, y: TOP_BAR, width: self.size.width, height: self.size.height - TOP_BAR }
    }

    fn tick(&mut self) -> Task<Message> {
        browser::pump_gtk();
        let events = self
            .session
            .as_ref()
            .and_then(|s| s.browser.as_ref())
            .map(Browser::drain_events)
            .unwrap_or_default();
        for event in events {
            self.web_event(event);
        }
        self.follow_print();
        self.follow_scan();
        if let Some((_, since)) = &self.notice
            && since.elapsed() > NOTICE_FOR
        {
            self.notice = None;
        }
        if self.bench.is_some() {
            return self.bench_tick();
        }
        let Some(session) = self.session.as_mut() else { return Task::none() };
        session.note_web_input();
        let state = session.idle.state(Instant::now());
        let warning = matches!(state, IdleState::Warning(_));
        if warning != session.countdown_shown {
            session.countdown_shown = warning;
            if warning {
                tracing::info!("idle countdown started");
            } else if state == IdleState::Active {
                tracing::info!("idle countdown cancelled by input");
            }
        }
        if let IdleState::Expired = state {
            tracing::info!("session ended after the idle countdown");
            self.end_session(SessionEnd::Idle);
        } else {
            self.sync_webview();
        }
        Task::none()
    }

    fn slow_tick(&mut self) {
        match self.keeper.as_mut() {
            Some(keeper) => match keeper.check() {
                Check::Unchanged => {}
                Check::Pending => {
                    self.status.policy_error = None;
                    tracing::info!("a new policy is waiting for the home screen");
                }
                Check::Refused(reason) => {
                    tracing::error!(%reason, "new policy refused");
                    self.status.policy_error = Some(reason);
                    self.write_status();
                }
            },
            None => {
                if let Ok(keeper) = PolicyKeeper::load(&self.policy_path) {
                    tracing::info!("policy installed; the station is ready");
                    self.keeper = Some(keeper);
                    self.status.policy_error = None;
                    self.write_status();
                }
            }
        }
        if self.session.is_none() && self.keeper.as_mut().is_some_and(PolicyKeeper::apply_pending) {
            tracing::info!("new policy in force");
            self.focused_tile = 0;
            self.write_status();
        }
        let retry = if self.unwritten.is_empty() { STATUS_EVERY } else { UNWRITTEN_RETRY_EVERY };
        if self.status_written.elapsed() > retry {
            self.write_records();
            self.write_status();
        }
    }

    fn input(&mut self) {
        if let Some(session) = self.session.as_mut() {
            session.idle.input(Instant::now());
        }
    }

    /// Counts a pointer move as input only when the pointer really moved: hiding the web page
    /// puts the kiosk's window under a still pointer, which must not cancel the countdown.
    fn pointer(&mut self, position: iced::Point) {
        let moved = self.last_pointer.is_none_or(|last| last.distance(position) > 2.0);
        self.last_pointer = Some(position);
        if moved {
            self.input();
        }
    }

    fn key(&mut self, key: keyboard::Key) -> Task<Message> {
        tracing::debug!(?key, "key pressed");
        let during_countdown = self.countdown_shown();
        self.input();
        if during_countdown {
            // Any key during the countdown means "I'm still here", nothing more.
            return Task::none();
        }
        let tiles = self.keeper.as_ref().map_or(0, |k| k.current().procedures.len());
        let at_home = !self.showing_web && self.overlay == Overlay::None;
        match key {
            keyboard::Key::Named(Named::Escape) if self.overlay != Overlay::None => self.dismiss(),
            keyboard::Key::Named(Named::Enter) if self.overlay == Overlay::ConfirmEnd => {
                self.end_session(SessionEnd::User)
            }
            keyboard::Key::Named(Named::Enter)
                if matches!(self.overlay, Overlay::Blocked | Overlay::Help) =>
            {
                self.set_overlay(Overlay::None)
            }
            keyboard::Key::Named(Named::Tab | Named::ArrowRight | Named::ArrowDown)
                if at_home && tiles > 0 =>
            {
                self.focused_tile = if self.keyboard_focus { (self.focused_tile + 1) % tiles } else { 0 };
                self.keyboard_focus = true;
            }
            keyboard::Key::Named(Named::ArrowLeft | Named::ArrowUp) if at_home && tiles > 0 => {
                self.focused_tile =
                    if self.keyboard_focus { (self.focused_tile + tiles - 1) % tiles } else { 0 };
                self.keyboard_focus = true;
            }
            keyboard::Key::Named(Named::Enter | Named::Space) if at_home => {
                let id = self
                    .keeper
                    .as_ref()
                    .and_then(|k| k.current().procedures.get(self.focused_tile))
                    .map(|p| p.id.clone());
                if let Some(id) = id {
                    self.open_procedure(&id, None);
                }
            }
            _ => {}
        }
        Task::none()
    }

    /// Whether the "are you still there?" countdown is up.
    fn countdown_shown(&self) -> bool {
        self.session.as_ref().is_some_and(|s| matches!(s.idle.state(Instant::now()), IdleState::Warning(_)))
    }

    fn set_overlay(&mut self, overlay: Overlay) {
        self.overlay = overlay;
        self.input();
        self.sync_webview();
    }

    /// The webview is a native window on top of iced's drawing: it is shown only when the page
    /// is the screen and no kiosk dialog or countdown is up.
    fn sync_webview(&self) {
        let Some(session) = self.session.as_ref() else { return };
        let Some(browser) = session.browser.as_ref() else { return };
        browser.set_visible(self.showing_web && self.overlay == Overlay::None && !self.countdown_shown());
    }

    /// Opens a procedure: starts a session if none, or switches the session to it.
    fn open_procedure(&mut self, id: &ProcedureId, url: Option<Url>) {
        let Some(keeper) = self.keeper.as_ref() else { return };
        let policy = keeper.current();
        let (Some(procedure), Some(matcher)) = (policy.procedure(id), policy.procedure_matcher(id)) else {
            return;
        };
        let target = url.unwrap_or_else(|| procedure.start.clone());
        let station = policy.station.clone();
        if self.session.is_none() {
            let folder = match self.store.begin(self.prefs.language.clone()) {
                Ok(folder) => folder,
                Err(error) => {
                    tracing::error!(%error, "cannot create the session folder");
                    return;
                }
            };
            let mut tally = SessionTally::new(self.prefs.language.clone());
            tally.assisted = std::mem::take(&mut self.prefs.assisted_next);
            tally.large_text = self.prefs.large_text;
            tally.high_contrast = self.prefs.high_contrast;
            tracing::info!(assisted = tally.assisted, "session started");
            self.session = Some(Session::new(folder, tally, id.clone(), matcher, &station));
        } else if let Some(session) = self.session.as_mut() {
            *session.matcher.borrow_mut() = matcher;
            session.procedure = id.clone();
        }
        let web_bounds = self.web_bounds();
        let zoom = if self.prefs.large_text { 1.4 } else { 1.0 };
        let parent = self.parent;
        let Some(session) = self.session.as_mut() else { return };
        session.tally.open_procedure(id);
        session.in_new_window = false;
        session.save();
        session.idle.input(Instant::now());
        match (&session.browser, parent) {
            (Some(browser), _) => browser.load(target.as_str()),
            (None, Some(parent)) => {
                let setup = BrowserSetup {
                    parent,
                    bounds: web_bounds,
                    start: &target,
                    matcher: session.matcher.clone(),
                    downloads: &session.folder.downloads_dir(),
                    download_types: station.download_types.clone(),
                    last_input: session.web_input.clone(),
                };
                match Browser::open(setup) {
                    Ok(browser) => {
                        browser.set_zoom(zoom);
                        session.browser = Some(browser);
                    }
                    Err(error) => tracing::error!(%error, "cannot create the web view"),
                }
            }
            (None, None) => tracing::error!("no window to show the page in"),
        }
        self.overlay = Overlay::None;
        self.showing_web = true;
        self.sync_webview();
    }

    fn web_event(&mut self, event: WebEvent) {
        let Some(session) = self.session.as_mut() else { return };
        match event {
            WebEvent::Blocked { reason, shown } => {
                tracing::info!(%reason, shown, "navigation blocked");
                session.tally.blocked += 1;
                session.last_blocked = Some(reason);
                session.save();
                if shown && self.bench.is_none() {
                    self.overlay = Overlay::Blocked;
                }
            }
            WebEvent::NewWindow(url) => {
                if let Some(browser) = &session.browser {
                    browser.load(&url);
                    session.in_new_window = true;
                }
            }
            WebEvent::Loaded => {
                if let Some(bench) = self.bench.as_mut() {
                    bench.loaded = true;
                }
            }
            WebEvent::Downloaded => {
                tracing::info!("download saved in the session folder");
                session.tally.downloads += 1;
                session.save();
                session.refresh_documents();
                self.notice = Some((self.texts.get(&self.prefs.language, "download-done"), Instant::now()));
            }
            WebEvent::DownloadRefused => {
                tracing::info!("download refused");
                self.notice =
                    Some((self.texts.get(&self.prefs.language, "download-refused"), Instant::now()));
            }
            WebEvent::UploadRequested => {
                tracing::info!("the page asks for a file: the session's documents are offered");
                self.open_documents(true);
                return;
            }
            WebEvent::PrintedToPdf(path) => {
                let title = session.browser.as_ref().map(Browser::title).unwrap_or_default();
                self.send_to_printer(&path, &title);
            }
            WebEvent::PrintToPdfFailed(error) => {
                tracing::error!(%error, "the page could not be printed to PDF");
                self.set_print_view(PrintView::CannotPrint(error));
            }
        }
        self.sync_webview();
    }

    fn show_home(&mut self) {
        self.showing_web = false;
        self.overlay = Overlay::None;
        self.sync_webview();
    }

    fn show_page(&mut self) {
        self.showing_web = self.session.as_ref().is_some_and(|s| s.browser.is_some());
        self.overlay = Overlay::None;
        self.sync_webview();
    }

    fn back(&mut self) {
        if let Some(browser) = self.session.as_ref().and_then(|s| s.browser.as_ref()) {
            browser.back();
        }
    }

    fn close_new_window(&mut self) {
        if let Some(session) = self.session.as_mut() {
            session.in_new_window = false;
            if let Some(browser) = &session.browser {
                browser.back();
            }
        }
    }

    fn set_language(&mut self, language: Language) {
        if let Some(session) = self.session.as_mut() {
            session.tally.language = language.clone();
            session.save();
        }
        self.prefs.language = language;
    }

    fn toggle_large_text(&mut self) {
        self.prefs.large_text = !self.prefs.large_text;
        let zoom = if self.prefs.large_text { 1.4 } else { 1.0 };
        if let Some(session) = self.session.as_mut() {
            session.tally.large_text |= self.prefs.large_text;
            session.save();
            if let Some(browser) = &session.browser {
                browser.set_zoom(zoom);
            }
        }
    }

    fn pin_changed(&mut self, entry: String) {
        if let Overlay::Pin { entry: current, .. } = &mut self.overlay {
            *current = entry.chars().filter(char::is_ascii_digit).take(8).collect();
        }
    }

    fn pin_submit(&mut self) {
        let Overlay::Pin { entry, .. } = &self.overlay else { return };
        let verdict = match &self.config.volunteer_pin_hash {
            None => Err("pin-off"),
            Some(hash) if volunteer::verify_pin(entry, hash) => Ok(()),
            Some(_) => Err("pin-wrong"),
        };
        match verdict {
            Ok(()) => {
                tracing::info!("volunteer PIN accepted: the session is accompanied");
                let station = self.keeper.as_ref().map(|k| k.current().station.clone());
                match (self.session.as_mut(), station) {
                    (Some(session), Some(station)) => {
                        session.tally.assisted = true;
                        session.apply_timeouts(&station);
                        session.save();
                    }
                    _ => self.prefs.assisted_next = true,
                }
                self.set_overlay(Overlay::None);
            }
            Err(error) => {
                tracing::info!(reason = error, "volunteer PIN refused");
                self.overlay = Overlay::Pin { entry: String::new(), error: Some(error) };
            }
        }
    }

    /// Top bar "Imprimer": the page shown becomes a PDF in the session folder, then is sent
    /// (see [`WebEvent::PrintedToPdf`]). While a document prints, the button shows its progress.
    fn print_page(&mut self) {
        let Some(session) = self.session.as_mut() else { return };
        if session.print_run.is_none() {
            let Some(browser) = session.browser.as_ref() else { return };
            // A document of the session shown in place of the page prints as it is.
            if let Some(document) = browser.shown_document() {
                let name = document.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                self.send_to_printer(&document, &name);
                self.set_overlay(Overlay::Print);
                return;
            }
            let folder = session.folder.print_dir();
            session.print_count += 1;
            let destination = folder.join(format!("page-{}.pdf", session.print_count));
            let view = match std::fs::create_dir_all(&folder) {
                Ok(()) => {
                    tracing::info!("printing the page to PDF");
                    browser.print_to_pdf(&destination);
                    PrintView::Preparing
                }
                Err(error) => {
                    tracing::error!(%error, "cannot create the folder for printing");
                    PrintView::CannotPrint(error.to_string())
                }
            };
            self.set_print_view(view);
        }
        self.set_overlay(Overlay::Print);
    }

    /// Checks a document against the page cap and sends it to the station's printer.
    fn send_to_printer(&mut self, path: &std::path::Path, title: &str) {
        let max_pages = self.keeper.as_ref().map_or(0, |k| k.current().station.max_pages_per_session);
        let Some(session) = self.session.as_mut() else { return };
        let view = match (&self.config.printer, print::read_document(path)) {
            (None, _) => PrintView::CannotPrint("no printer is configured".into()),
            (_, Err(error)) => {
                tracing::error!(%error, "cannot print the document");
                PrintView::CannotPrint(error)
            }
            (Some(printer), Ok((pdf, pages))) => {
                let left = max_pages.saturating_sub(session.tally.pages_printed);
                if pages > left {
                    tracing::info!(pages, left, "print refused: the session's page cap would be passed");
                    PrintView::TooManyPages { pages, left }
                } else {
                    tracing::info!(pages, "print job sent");
                    let stuck_after = Duration::from_secs(self.config.print_timeout_s.into());
                    session.print_run = Some(PrintRun::start(printer, pdf, pages, title, stuck_after));
                    PrintView::Run { pages, progress: printing::Progress::Sending }
                }
            }
        };
        self.set_print_view(view);
    }

    /// Takes the print run's news: what the resident sees, and the pages printed when it ends.
    fn follow_print(&mut self) {
        let Some(session) = self.session.as_mut() else { return };
        let Some(run) = session.print_run.as_ref() else { return };
        let (steps, over) = run.updates();
        let pages = run.pages;
        if over {
            session.print_run = None;
        }
        for step in steps {
            if let printing::Progress::Finished(outcome) = &step
                && let Some(session) = self.session.as_mut()
            {
                tracing::info!(?outcome, "print job finished");
                session.tally.pages_printed += outcome.pages();
                session.save();
            }
            self.set_print_view(PrintView::Run { pages, progress: step });
        }
    }

    /// Shows news of the print (and logs it, as the resident reads it).
    fn set_print_view(&mut self, view: PrintView) {
        if self.session.as_ref().is_some_and(|s| s.print_view.as_ref() == Some(&view)) {
            return;
        }
        let lines = self.print_lines(&view);
        tracing::info!(message = lines.join(" "), "print status shown");
        if let Some(session) = self.session.as_mut() {
            session.print_view = Some(view);
        }
    }

    /// Closes the dialog shown; a pending upload request is answered with nothing.
    fn dismiss(&mut self) {
        if self.overlay == (Overlay::Documents { chooser: true })
            && let Some(browser) = self.session.as_ref().and_then(|s| s.browser.as_ref())
        {
            tracing::info!("upload cancelled by the resident");
            browser.answer_upload(None);
        }
        self.set_overlay(Overlay::None);
    }

    /// Shows the session's documents (to pick one for the page when `chooser`).
    fn open_documents(&mut self, chooser: bool) {
        let Some(session) = self.session.as_mut() else { return };
        session.refresh_documents();
        tracing::info!(count = session.documents.len(), chooser, "documents shown");
        self.set_overlay(Overlay::Documents { chooser });
    }

    /// "Numériser un document": one page from the scanner into the session folder.
    fn scan(&mut self) {
        let Some(session) = self.session.as_mut() else { return };
        if session.scan_run.is_some() {
            return;
        }
        let dir = session.folder.scans_dir();
        // Made here, on the kiosk's thread: a scan finishing after the wipe finds no folder.
        let view = match std::fs::create_dir_all(&dir) {
            Ok(()) => {
                let setup = crate::scanner::ScanSetup {
                    device: self.config.scanner.clone(),
                    options: self.config.scanner_options.clone(),
                };
                session.scan_run = Some(ScanRun::start(setup, &dir));
                tracing::info!("scan started");
                ScanView::Scanning(0)
            }
            Err(error) => ScanView::Failed(crate::scanner::ScanError::Failed(error.to_string())),
        };
        self.set_scan_view(view);
        self.input();
    }

    /// Takes the scan's news; counts the scan and lists it once done.
    fn follow_scan(&mut self) {
        let Some(session) = self.session.as_mut() else { return };
        let Some(run) = session.scan_run.as_ref() else { return };
        let view = match run.poll() {
            (_, Some(Ok(scanned))) => {
                session.scan_run = None;
                session.tally.scans += 1;
                session.save();
                session.refresh_documents();
                tracing::info!(file = %scanned.pdf.display(), "scan saved in the session folder");
                let name =
                    scanned.pdf.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                ScanView::Done(name)
            }
            (_, Some(Err(error))) => {
                session.scan_run = None;
                tracing::warn!(%error, "scan failed");
                ScanView::Failed(error)
            }
            (Some(percent), None) => ScanView::Scanning(percent),
            (None, None) => return,
        };
        self.set_scan_view(view);
    }

    fn set_scan_view(&mut self, view: ScanView) {
        tracing::info!(message = self.scan_line(&view), "scan status shown");
        if let Some(session) = self.session.as_mut() {
            session.scan_view = Some(view);
        }
    }

    /// Shows one of the session's documents where the page was ("Fermer ce document" returns).
    fn view_document(&mut self, path: &std::path::Path) {
        let Some(session) = self.session.as_mut() else { return };
        if !crate::documents::is_listed(&session.documents, path) {
            return;
        }
        let Some(browser) = session.browser.as_ref() else { return };
        tracing::info!("document shown");
        browser.show_document(path);
        session.in_new_window = true;
        self.showing_web = true;
        self.set_overlay(Overlay::None);
    }

    /// Prints one of the session's documents.
    fn print_document(&mut self, path: &std::path::Path) {
        let Some(session) = self.session.as_ref() else { return };
        let Some(document) = session.documents.iter().find(|d| d.path == path) else { return };
        if session.print_run.is_none() {
            let name = document.name.clone();
            self.send_to_printer(path, &name);
        }
        self.set_overlay(Overlay::Print);
    }

    /// Deletes one of the session's documents (only those: nothing else of the disk).
    fn delete_document(&mut self, path: &std::path::Path) {
        let Some(session) = self.session.as_mut() else { return };
        if !crate::documents::is_listed(&session.documents, path) {
            return;
        }
        match std::fs::remove_file(path) {
            Ok(()) => tracing::info!("document deleted by the resident"),
            Err(error) => tracing::warn!(%error, "could not delete the document"),
        }
        session.refresh_documents();
        self.input();
    }

    /// Gives the page the document the resident chose.
    fn choose_document(&mut self, path: &std::path::Path) {
        let Some(session) = self.session.as_ref() else { return };
        if !crate::documents::is_listed(&session.documents, path) {
            return;
        }
        if let Some(browser) = session.browser.as_ref() {
            tracing::info!("document given to the page for upload");
            browser.answer_upload(Some(path));
        }
        self.set_overlay(Overlay::None);
    }

    /// Ends the session: drops the webview, deletes the session folder, clears the clipboard,
    /// resets the resident's choices, writes the usage record, then shows the home screen.
    fn end_session(&mut self, end: SessionEnd) {
        let Some(mut session) = self.session.take() else { return };
        let started = Instant::now();
        if let Some(run) = session.print_run.take() {
            tracing::info!("print job of the session cancelled at the wipe");
            run.cancel();
        }
        drop(session.browser.take());
        browser::pump_gtk();
        let wiped = self.store.wipe(session.folder.path());
        browser::clear_clipboard();
        let elapsed = started.elapsed();
        let error = match &wiped {
            Ok(_) => None,
            Err(error) => {
                tracing::error!(%error, "session wipe incomplete");
                Some(error.to_string())
            }
        };
        let record = session.folder.record(session.tally, end, elapsed);
        let wipe_ms = record.wipe_ms;
        self.unwritten.push(record);
        self.write_records();
        self.status.last_wipe =
            Some(WipeStatus { at: Utc::now(), ok: error.is_none(), duration_ms: wipe_ms, error });
        if let Some(bench) = self.bench.as_mut() {
            bench.wipes.push(elapsed);
        }
        self.prefs = Prefs::default();
        self.overlay = Overlay::None;
        self.showing_web = false;
        self.focused_tile = 0;
        self.keyboard_focus = false;
        self.notice = None;
        if self.keeper.as_mut().is_some_and(PolicyKeeper::apply_pending) {
            tracing::info!("new policy in force");
        }
        self.write_status();
        tracing::info!(end = end.as_str(), wipe_ms, "session ended and wiped");
    }

    /// Writes the records waiting in memory to the outbox, oldest first; on failure they stay
    /// (the kiosk goes on) and the status file says why.
    fn write_records(&mut self) {
        let Some(outbox) = self.outbox.as_mut() else { return };
        while let Some(record) = self.unwritten.first() {
            match outbox.append(record) {
                Ok(_) => {
                    self.unwritten.remove(0);
                    self.status.outbox_error = None;
                }
                Err(error) => {
                    tracing::error!(%error, waiting = self.unwritten.len(), "usage record not written yet; kept in memory");
                    self.status.outbox_error = Some(error.to_string());
                    return;
                }
            }
        }
    }

    fn write_status(&mut self) {
        self.status_written = Instant::now();
        if let Err(error) = self.status.write(&self.state_dir) {
            tracing::warn!(%error, "could not write the status file");
        }
    }
}

/// Maps window events to kiosk messages: keys, and any pointer or touch input.
fn input_message(event: Event, _status: event::Status, _window: window::Id) -> Option<Message> {
    match event {
        Event::Keyboard(keyboard::Event::KeyPressed { key, .. }) => Some(Message::Key(key)),
        Event::Mouse(iced::mouse::Event::CursorMoved { position }) => Some(Message::Pointer(position)),
        Event::Mouse(iced::mouse::Event::ButtonPressed(_) | iced::mouse::Event::WheelScrolled { .. })
        | Event::Touch(_) => Some(Message::Input),
        _ => None,
    }
}

/// Runs the kiosk window until it is closed (or a measurement run ends).
pub fn run(options: Options) -> iced::Result {
    let settings = window::Settings { fullscreen: true, decorations: false, ..window::Settings::default() };
    let boot = move || Kiosk::new(options.clone());
    iced::application(boot, Kiosk::update, Kiosk::view)
        .title(Kiosk::title)
        .theme(Kiosk::theme)
        .subscription(Kiosk::subscription)
        .window(settings)
        .run()
}

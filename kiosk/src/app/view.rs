//! What the kiosk draws: home tiles, the top bar over the web page, dialogs and kiosk pages.

use std::time::Instant;

use iced::widget::{Space, button, column, container, row, scrollable, text, text_input};
use iced::{Alignment, Color, Element, Length, Theme, theme};
use protocol::Language;
use protocol::policy::{Policy, Procedure};

use printing::{Outcome, Problem, Progress};

use super::print::PrintView;
use super::scan::ScanView;
use super::{Kiosk, Message, Overlay, TOP_BAR};
use crate::documents::human_size;
use crate::idle::IdleState;

/// Id of the volunteer PIN field, focused when the dialog opens.
pub const PIN_FIELD: &str = "volunteer-pin";

/// Black, white and yellow: the high-contrast theme.
pub fn high_contrast_theme() -> Theme {
    Theme::custom(
        "Contraste renforcé",
        theme::Palette {
            background: Color::BLACK,
            text: Color::WHITE,
            primary: Color::from_rgb8(0xff, 0xd7, 0x00),
            success: Color::from_rgb8(0x00, 0xe6, 0x76),
            warning: Color::from_rgb8(0xff, 0xd7, 0x00),
            danger: Color::from_rgb8(0xff, 0x5c, 0x5c),
        },
    )
}

/// A pictogram for a procedure's `icon` name (symbols every station's fonts have).
fn pictogram(icon: Option<&str>) -> &'static str {
    match icon.unwrap_or_default() {
        "id-card" => "☺",
        "car" => "⚙",
        "family" => "❤",
        "town-hall" => "⌂",
        "hands" => "✚",
        "passport" => "✈",
        "scales" => "⚖",
        "document" => "✍",
        "health" => "⚕",
        "euro" => "€",
        "briefcase" => "⚒",
        _ => "☰",
    }
}

impl Kiosk {
    fn size(&self, base: f32) -> f32 {
        if self.prefs.large_text { base * 1.35 } else { base }
    }

    fn t(&self, id: &str) -> String {
        self.texts.get(&self.prefs.language, id)
    }

    /// The whole window.
    pub fn view(&self) -> Element<'_, Message> {
        let Some(keeper) = &self.keeper else {
            return centered(text(self.t("not-ready")).size(self.size(32.0)));
        };
        let policy = keeper.current();
        let countdown = self.session.as_ref().and_then(|s| match s.idle.state(Instant::now()) {
            IdleState::Warning(left) => Some(left.as_secs() + 1),
            _ => None,
        });
        let body: Element<'_, Message> = match (countdown, &self.overlay) {
            (Some(seconds), _) => self.countdown(seconds),
            (None, Overlay::ConfirmEnd) => self.confirm_end(),
            (None, Overlay::Help) => self.help(policy),
            (None, Overlay::Pin { entry, error }) => self.pin(entry, *error),
            (None, Overlay::Blocked) => self.blocked(policy),
            (None, Overlay::Print) => self.print_dialog(),
            (None, Overlay::Documents { chooser }) => self.documents(*chooser),
            (None, Overlay::None) if self.showing_web => {
                Space::new().width(Length::Fill).height(Length::Fill).into()
            }
            (None, Overlay::None) => self.home(policy),
        };
        match &self.session {
            Some(_) => column![self.top_bar(policy), body].into(),
            None => body,
        }
    }

    fn top_bar(&self, policy: &Policy) -> Element<'_, Message> {
        let session = self.session.as_ref().expect("the top bar belongs to a session");
        let title = policy
            .procedure(&session.procedure)
            .and_then(|p| p.title.get(&self.prefs.language))
            .unwrap_or_default()
            .to_owned();
        let bar_button = |label: String, message: Message| {
            button(text(label).size(self.size(20.0))).padding([12, 14]).on_press(message)
        };
        let mut bar = row![].spacing(8).align_y(Alignment::Center);
        if self.showing_web {
            bar = bar.push(bar_button(self.t("bar-home"), Message::Home));
            bar = bar.push(bar_button(self.t("bar-back"), Message::Back));
            if session.in_new_window {
                bar = bar.push(bar_button(self.t("bar-close-window"), Message::CloseNewWindow));
            }
            if self.config.printer.is_some() {
                let label = if session.print_run.is_some() { "bar-printing" } else { "bar-print" };
                bar = bar.push(bar_button(self.t(label), Message::PrintPage).style(button::success));
            }
        } else if session.browser.is_some() {
            bar = bar.push(bar_button(format!("← {title}"), Message::ResumePage));
        }
        bar = bar.push(bar_button(self.t("bar-documents"), Message::OpenDocuments));
        // With every button out (a page opened as a window, printing on) there is no room left
        // for the title: the buttons come first.
        let crowded = self.showing_web && session.in_new_window && self.config.printer.is_some();
        let middle = match &self.notice {
            _ if crowded => text(""),
            Some((notice, _)) => text(notice.clone()).size(self.size(18.0)),
            None if session.tally.assisted => {
                text(format!("{title} · {}", self.t("assisted-badge"))).size(self.size(22.0))
            }
            None => text(title).size(self.size(22.0)),
        };
        bar = bar.push(container(middle).width(Length::Fill).center_x(Length::Fill).clip(true));
        bar = bar.push(bar_button(self.t("bar-help"), Message::Help).style(button::secondary));
        bar = bar.push(bar_button(self.t("bar-end"), Message::AskEnd).style(button::danger));
        container(bar).padding([0, 12]).height(TOP_BAR).center_y(TOP_BAR).width(Length::Fill).into()
    }

    fn home(&self, policy: &Policy) -> Element<'_, Message> {
        let language = &self.prefs.language;
        let header = row![
            text(self.t("home-title")).size(self.size(40.0)),
            text(self.t("home-subtitle")).size(self.size(28.0)),
        ]
        .spacing(24)
        .align_y(Alignment::Center);
        let mut controls = row![].spacing(12).align_y(Alignment::Center);
        for code in &policy.station.languages {
            if !self.texts.has(code) {
                continue;
            }
            let label = self.t(&format!("language-{code}"));
            let style = if code == language { button::primary } else { button::secondary };
            controls = controls.push(
                button(text(label).size(self.size(20.0)))
                    .padding([10, 16])
                    .style(style)
                    .on_press(Message::SetLanguage(code.clone())),
            );
        }
        let toggle = |label: String, on: bool, message: Message| {
            let style = if on { button::primary } else { button::secondary };
            button(text(format!("{}{label}", if on { "✓ " } else { "" })).size(self.size(20.0)))
                .padding([10, 16])
                .style(style)
                .on_press(message)
        };
        controls = controls
            .push(Space::new().width(24))
            .push(toggle(self.t("large-text"), self.prefs.large_text, Message::ToggleLargeText))
            .push(toggle(self.t("high-contrast"), self.prefs.high_contrast, Message::ToggleHighContrast));

        let columns = if self.prefs.large_text { 2 } else { 3 };
        let mut grid = column![].spacing(18);
        for (index, chunk) in policy.procedures.chunks(columns).enumerate() {
            let mut line = row![].spacing(18);
            for (offset, procedure) in chunk.iter().enumerate() {
                let focused = self.keyboard_focus && index * columns + offset == self.focused_tile;
                line = line.push(self.tile(procedure, language, focused));
            }
            grid = grid.push(line);
        }
        let footer = row![
            column![
                text(policy.station.help.clone()).size(self.size(20.0)),
                text(policy.station.funding_notice.clone()).size(self.size(16.0)),
            ]
            .spacing(6)
            .width(Length::Fill),
            button(text(self.t("volunteer")).size(14)).style(button::text).on_press(Message::OpenPin),
        ]
        .align_y(Alignment::End);
        column![header, controls, scrollable(grid).height(Length::Fill), footer]
            .spacing(20)
            .padding(32)
            .into()
    }

    fn tile(&self, procedure: &Procedure, language: &Language, focused: bool) -> Element<'_, Message> {
        let title = procedure.title.get(language).unwrap_or_default().to_owned();
        let description = procedure.description.get(language).unwrap_or_default().to_owned();
        let content = row![
            text(pictogram(procedure.icon.as_deref())).size(self.size(54.0)),
            column![text(title).size(self.size(26.0)), text(description).size(self.size(17.0))].spacing(8),
        ]
        .spacing(18)
        .align_y(Alignment::Center);
        let style = if focused { button::success } else { button::primary };
        button(content)
            .padding(20)
            .width(Length::Fill)
            .height(self.size(150.0))
            .style(style)
            .on_press(Message::OpenProcedure(procedure.id.clone()))
            .into()
    }

    fn dialog<'a>(
        &self,
        title: String,
        body: Vec<String>,
        buttons: Vec<Element<'a, Message>>,
    ) -> Element<'a, Message> {
        let mut content =
            column![text(title).size(self.size(36.0))].spacing(24).align_x(Alignment::Center).max_width(900);
        for paragraph in body {
            content = content.push(text(paragraph).size(self.size(24.0)));
        }
        content = content.push(row(buttons).spacing(24));
        centered(content)
    }

    fn big_button(
        &self,
        label: String,
        message: Message,
        style: fn(&Theme, button::Status) -> button::Style,
    ) -> Element<'static, Message> {
        button(text(label).size(self.size(24.0))).padding([18, 28]).style(style).on_press(message).into()
    }

    fn countdown(&self, seconds: u64) -> Element<'_, Message> {
        let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
        self.dialog(
            self.t("idle-title"),
            vec![self.texts.get_with(&self.prefs.language, "idle-text", "seconds", seconds)],
            vec![self.big_button(self.t("idle-continue"), Message::StillHere, button::primary)],
        )
    }

    fn confirm_end(&self) -> Element<'_, Message> {
        self.dialog(
            self.t("end-title"),
            vec![self.t("end-text")],
            vec![
                self.big_button(self.t("end-no"), Message::Dismiss, button::secondary),
                self.big_button(self.t("end-yes"), Message::ConfirmEnd, button::danger),
            ],
        )
    }

    fn help(&self, policy: &Policy) -> Element<'_, Message> {
        let mut body = vec![policy.station.help.clone()];
        if let Some(reason) = self.session.as_ref().and_then(|s| s.last_blocked.as_ref()) {
            let reason = reason.explain(&self.texts, &self.prefs.language);
            body.push(self.texts.get_with(&self.prefs.language, "help-last-blocked", "reason", reason));
        }
        self.dialog(
            self.t("help-title"),
            body,
            vec![self.big_button(self.t("help-close"), Message::Dismiss, button::primary)],
        )
    }

    fn blocked(&self, policy: &Policy) -> Element<'_, Message> {
        self.dialog(
            self.t("blocked-title"),
            vec![self.t("blocked-text"), policy.station.help.clone()],
            vec![self.big_button(self.t("blocked-back"), Message::Dismiss, button::primary)],
        )
    }

    fn print_dialog(&self) -> Element<'_, Message> {
        let view = self.session.as_ref().and_then(|s| s.print_view.as_ref());
        let lines = view.map(|v| self.print_lines(v)).unwrap_or_default();
        self.dialog(
            self.t("print-title"),
            lines,
            vec![self.big_button(self.t("print-close"), Message::Dismiss, button::primary)],
        )
    }

    /// What the resident reads about a print, in their language.
    pub(super) fn print_lines(&self, view: &PrintView) -> Vec<String> {
        let language = &self.prefs.language;
        let with = |id: &str, name: &str, value: u32| self.texts.get_with(language, id, name, value);
        let problems = |problems: &[Problem]| -> Vec<String> {
            problems.iter().map(|p| self.t(&format!("problem-{}", p.as_str()))).collect()
        };
        match view {
            PrintView::Preparing => vec![self.t("print-preparing")],
            PrintView::TooManyPages { pages, left } => {
                vec![with("print-too-many", "pages", *pages), with("print-left", "left", *left)]
            }
            PrintView::CannotPrint(_) => vec![self.t("print-cannot")],
            PrintView::Run { pages, progress } => match progress {
                Progress::Sending => vec![self.t("print-sending")],
                Progress::Printing { pages_done, problems: now } => {
                    let waiting = now.iter().any(|p| p.stops_printing());
                    let mut lines = vec![match pages_done {
                        _ if waiting => self.t("print-waiting"),
                        Some(done) if *done < *pages => {
                            let mut args = fluent_bundle::FluentArgs::new();
                            args.set("done", done + 1);
                            args.set("pages", *pages);
                            self.texts.get_args(language, "print-page-of", &args)
                        }
                        _ => self.t("print-printing"),
                    }];
                    lines.extend(problems(now));
                    lines
                }
                Progress::Finished(outcome) => match outcome {
                    Outcome::Printed { pages } => vec![with("print-done", "pages", *pages)],
                    Outcome::Stuck { problems: now, .. } => {
                        let mut lines = vec![self.t("print-stuck")];
                        lines.extend(problems(now));
                        lines
                    }
                    Outcome::Cancelled { .. } => vec![self.t("print-cancelled")],
                    Outcome::Aborted { problems: now, .. } => {
                        let mut lines = vec![self.t("print-aborted")];
                        lines.extend(problems(now));
                        lines
                    }
                    Outcome::Failed(_) => vec![self.t("print-failed")],
                },
            },
        }
    }

    /// "Mes documents": scan, then each document with what can be done with it; or, when the
    /// page asked for a file, the documents to choose from.
    fn documents(&self, chooser: bool) -> Element<'_, Message> {
        let Some(session) = self.session.as_ref() else { return Space::new().into() };
        let title = if chooser { self.t("documents-choose-title") } else { self.t("documents-title") };
        let mut scan = button(text(self.t("documents-scan")).size(self.size(22.0)))
            .padding([14, 22])
            .style(button::success);
        if self.config.scanning && session.scan_run.is_none() {
            scan = scan.on_press(Message::Scan);
        }
        let mut header = row![text(title).size(self.size(34.0)).width(Length::Fill)]
            .spacing(20)
            .align_y(Alignment::Center);
        if self.config.scanning {
            header = header.push(scan);
        }
        let mut content = column![header].spacing(16);
        if let Some(view) = &session.scan_view {
            content = content.push(text(self.scan_line(view)).size(self.size(22.0)));
        }
        let mut list = column![].spacing(10);
        if session.documents.is_empty() {
            list = list.push(text(self.t("documents-empty")).size(self.size(22.0)));
        }
        for document in &session.documents {
            let origin = if document.scanned { "documents-scanned" } else { "documents-downloaded" };
            let label = column![
                text(document.name.clone()).size(self.size(22.0)),
                text(format!("{} · {}", self.t(origin), human_size(document.size))).size(self.size(16.0)),
            ]
            .width(Length::Fill);
            let action = |id: &str, message: Message, style: fn(&Theme, button::Status) -> button::Style| {
                button(text(self.t(id)).size(self.size(20.0)))
                    .padding([10, 18])
                    .style(style)
                    .on_press(message)
            };
            let mut line = row![label].spacing(12).align_y(Alignment::Center);
            if chooser {
                line = line.push(action(
                    "documents-choose",
                    Message::ChooseDocument(document.path.clone()),
                    button::success,
                ));
            } else {
                if document.kind.viewable() {
                    line = line.push(action(
                        "documents-view",
                        Message::ViewDocument(document.path.clone()),
                        button::secondary,
                    ));
                }
                if self.config.printer.is_some() && document.kind.printable() {
                    line = line.push(action(
                        "documents-print",
                        Message::PrintDocument(document.path.clone()),
                        button::primary,
                    ));
                }
                line = line.push(action(
                    "documents-delete",
                    Message::DeleteDocument(document.path.clone()),
                    button::danger,
                ));
            }
            list = list.push(container(line).padding(8).style(container::rounded_box));
        }
        content = content.push(scrollable(list).height(Length::Fill));
        let (close, style): (String, fn(&Theme, button::Status) -> button::Style) = if chooser {
            (self.t("documents-cancel"), button::secondary)
        } else {
            (self.t("documents-close"), button::secondary)
        };
        content = content.push(
            row![
                text(self.t("documents-note")).size(self.size(18.0)).width(Length::Fill),
                self.big_button(close, Message::Dismiss, style),
            ]
            .align_y(Alignment::Center),
        );
        container(content).padding([20, 40]).width(Length::Fill).height(Length::Fill).into()
    }

    /// What the resident reads about the scan.
    pub(super) fn scan_line(&self, view: &ScanView) -> String {
        let language = &self.prefs.language;
        match view {
            ScanView::Scanning(percent) => {
                self.texts.get_with(language, "scan-progress", "percent", *percent)
            }
            ScanView::Done(name) => self.texts.get_with(language, "scan-done", "name", name.as_str()),
            ScanView::Failed(error) => self.t(&format!("scan-{}", error.as_str())),
        }
    }

    fn pin<'a>(&self, entry: &'a str, error: Option<&'static str>) -> Element<'a, Message> {
        let field = text_input(&self.t("pin-text"), entry)
            .id(PIN_FIELD)
            .secure(true)
            .size(self.size(28.0))
            .padding(14)
            .width(320)
            .on_input(Message::PinChanged)
            .on_submit(Message::PinSubmit);
        let mut content = column![text(self.t("pin-title")).size(self.size(32.0)), field]
            .spacing(20)
            .align_x(Alignment::Center);
        if let Some(error) = error {
            content = content.push(text(self.t(error)).size(self.size(22.0)));
        }
        content = content.push(
            row![
                self.big_button(self.t("pin-cancel"), Message::Dismiss, button::secondary),
                self.big_button(self.t("pin-ok"), Message::PinSubmit, button::primary),
            ]
            .spacing(24),
        );
        centered(content)
    }
}

fn centered<'a>(content: impl Into<Element<'a, Message>>) -> Element<'a, Message> {
    container(content)
        .width(Length::Fill)
        .height(Length::Fill)
        .center_x(Length::Fill)
        .center_y(Length::Fill)
        .padding(40)
        .into()
}

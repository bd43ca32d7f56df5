//! The kiosk's own texts, in Fluent files (`kiosk/i18n/*.ftl`) built into the binary.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use protocol::Language;
use unic_langid::LanguageIdentifier;

const SOURCES: &[(&str, &str)] =
    &[("fr", include_str!("../i18n/fr.ftl")), ("en", include_str!("../i18n/en.ftl"))];

/// The kiosk's texts in every language it ships.
pub struct Texts {
    bundles: Vec<(Language, FluentBundle<FluentResource>)>,
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.bundles.iter().map(|(language, _)| language)).finish()
    }
}

impl Default for Texts {
    fn default() -> Self {
        Self::new()
    }
}

impl Texts {
    /// Loads the built-in Fluent files.
    pub fn new() -> Self {
        let bundles = SOURCES
            .iter()
            .map(|(code, source)| {
                let resource =
                    FluentResource::try_new((*source).to_owned()).expect("built-in Fluent files parse");
                let id: LanguageIdentifier = code.parse().expect("built-in language codes parse");
                let mut bundle = FluentBundle::new(vec![id]);
                bundle.set_use_isolating(false);
                bundle.add_resource(resource).expect("built-in Fluent files have unique ids");
                (Language::new(*code).expect("built-in language codes are valid"), bundle)
            })
            .collect();
        Self { bundles }
    }

    /// Whether the kiosk has texts in `language`.
    pub fn has(&self, language: &Language) -> bool {
        self.bundles.iter().any(|(l, _)| l == language)
    }

    /// The text `id` in `language` (French when missing there).
    pub fn get(&self, language: &Language, id: &str) -> String {
        self.format(language, id, None)
    }

    /// The text `id` with one argument (a number or a text).
    pub fn get_with<'a>(
        &self,
        language: &Language,
        id: &str,
        name: &str,
        value: impl Into<FluentValue<'a>>,
    ) -> String {
        let mut args = FluentArgs::new();
        args.set(name, value.into());
        self.format(language, id, Some(&args))
    }

    /// The text `id` with several arguments.
    pub fn get_args(&self, language: &Language, id: &str, args: &FluentArgs<'_>) -> String {
        self.format(language, id, Some(args))
    }

    fn format(&self, language: &Language, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let french = Language::french();
        for wanted in [language, &french] {
            let Some((_, bundle)) = self.bundles.iter().find(|(l, _)| l == wanted) else { continue };
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return bundle.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        id.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(source: &str) -> Vec<&str> {
        source.lines().filter_map(|l| l.split_once(" = ").map(|(id, _)| id)).collect()
    }

    #[test]
    fn every_language_has_every_text() {
        let french = ids(SOURCES[0].1);
        for (code, source) in SOURCES {
            assert_eq!(ids(source), french, "{code}.ftl must have the same ids in the same order as fr.ftl");
        }
    }

    #[test]
    fn texts_are_found_with_their_arguments() {
        let texts = Texts::new();
        let en = Language::new("en").unwrap();
        assert_eq!(texts.get(&Language::french(), "bar-end"), "Terminer et effacer mes données");
        assert_eq!(
            texts.get_with(&en, "idle-text", "seconds", 42),
            "If you do nothing, everything will be erased in 42 seconds."
        );
        assert_eq!(texts.get(&Language::new("de").unwrap(), "bar-home"), "Accueil");
        let reason = "no rule allows the host evil.example";
        assert_eq!(
            texts.get_with(&Language::french(), "help-last-blocked", "reason", reason),
            "Dernière page bloquée : no rule allows the host evil.example"
        );
    }
}

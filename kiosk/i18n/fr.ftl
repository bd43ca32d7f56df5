window-title = Point d'accès numérique
home-title = Bonjour
home-subtitle = Que voulez-vous faire ?
language-fr = Français
language-en = English
large-text = Texte plus grand
high-contrast = Contraste renforcé
volunteer = Accompagnement
assisted-badge = Session accompagnée
bar-home = Accueil
bar-back = Retour
bar-help = Aide
bar-end = Terminer et effacer mes données
bar-close-window = Fermer cette page
end-title = Terminer ?
end-text = Tout ce que vous avez fait sur ce poste va être effacé : pages ouvertes, connexions, documents.
end-yes = Oui, terminer et effacer
end-no = Non, continuer
idle-title = Vous êtes toujours là ?
idle-text = Sans action de votre part, tout sera effacé dans { $seconds } secondes.
idle-continue = Oui, je continue
blocked-title = Ce site n'est pas disponible sur ce poste
blocked-text = Pour votre sécurité, ce poste ouvre seulement les sites des démarches de l'accueil.
blocked-back = Revenir à la page d'avant
help-title = Aide
help-close = Fermer
help-last-blocked = Dernière page bloquée : { $reason }
download-refused = Ce type de fichier ne peut pas être enregistré sur ce poste.
download-done = Document enregistré. Il sera effacé à la fin de la session.
upload-refused = L'envoi de fichiers n'est pas encore possible sur ce poste. Demandez de l'aide à l'accueil.
pin-title = Accompagnement par un volontaire
pin-text = Code du volontaire
pin-ok = Valider
pin-cancel = Annuler
pin-wrong = Code incorrect. Rien n'a changé.
pin-off = L'accompagnement n'est pas configuré sur ce poste.
wiping = Effacement en cours…
not-ready = Ce poste n'est pas encore prêt. Merci de prévenir l'accueil.
bar-print = Imprimer
bar-printing = Impression…
print-title = Impression
print-close = Revenir à ma démarche
print-preparing = Préparation du document…
print-sending = Envoi à l'imprimante…
print-printing = Impression en cours…
print-page-of = Impression de la page { $done } sur { $pages }…
print-done = { $pages ->
    [one] C'est imprimé (1 page). Prenez votre document à l'imprimante.
   *[other] C'est imprimé ({ $pages } pages). Prenez votre document à l'imprimante.
}
print-too-many = Ce document a { $pages } pages : c'est plus que ce que ce poste peut imprimer.
print-left = { $left ->
    [0] Vous ne pouvez plus imprimer pendant cette session. Demandez à l'accueil si vous avez besoin de plus.
    [one] Vous pouvez encore imprimer 1 page pendant cette session. Demandez à l'accueil si vous avez besoin de plus.
   *[other] Vous pouvez encore imprimer { $left } pages pendant cette session. Demandez à l'accueil si vous avez besoin de plus.
}
print-cannot = Ce document ne peut pas être imprimé ici. Demandez de l'aide à l'accueil.
print-stuck = L'impression n'avançait plus : elle a été annulée. Demandez de l'aide à l'accueil.
print-cancelled = L'impression a été annulée.
print-aborted = L'imprimante n'a pas pu imprimer le document. Demandez de l'aide à l'accueil.
print-failed = L'imprimante ne répond pas. Demandez de l'aide à l'accueil.
problem-no-paper = Il n'y a plus de papier. Demandez à l'accueil d'en remettre : l'impression reprendra toute seule.
problem-paper-jam = Du papier est coincé dans l'imprimante. N'ouvrez pas l'imprimante vous-même : prévenez l'accueil.
problem-toner-empty = L'imprimante n'a plus d'encre. Prévenez l'accueil.
problem-toner-low = L'encre est presque finie : l'impression peut être pâle.
problem-offline = L'imprimante est éteinte ou débranchée. Prévenez l'accueil.
problem-door-open = Une porte de l'imprimante est ouverte. Refermez-la doucement, ou prévenez l'accueil.
problem-other = L'imprimante a un problème. Prévenez l'accueil.
print-waiting = L'impression est en attente.

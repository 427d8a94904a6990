"""Our default wording of each kind of mail in German, French and Arabic (the English is the
kind's own, domain/mail_kinds.py). Pure data.

These are Jinja sources staff may edit (the console's template editor shows them for that
language and saves the org's own from them), not gettext messages: a template is a whole
text with its conditions, and a translator writes it whole. The placeholders are the
kind's, the same as in English; values that are words (`when`, `status`, `expires_at`,
dates, amounts) reach the template already in the recipient's language.

Greetings: "Guten Tag" / "Bonjour" / "مرحبًا", with the name when known, as in English.
German addresses the reader formally ("Sie"), French with "vous"."""
from __future__ import annotations

_HI = {"de": "Guten Tag{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n",
       "fr": "Bonjour{% if recipient.name %} {{ recipient.name }}{% endif %},\n\n",
       "ar": "مرحبًا{% if recipient.name %} {{ recipient.name }}{% endif %}،\n\n"}
_SENDERS_MESSAGE = {
    "de": "{% if message %}\n{{ sender_name }} schreibt:\n\n{{ message }}\n{% endif %}",
    "fr": "{% if message %}\n{{ sender_name }} a écrit :\n\n{{ message }}\n{% endif %}",
    "ar": "{% if message %}\nكتب {{ sender_name }}:\n\n{{ message }}\n{% endif %}",
}

GERMAN = {
    "invitation": (
        "Ihre Einladung zum Kundenportal von {{ org.name }}",
        "{{ inviter }} hat Sie zum Kundenportal von {{ org.name }} eingeladen.\n"
        "Legen Sie Ihr Passwort über den Link unten fest. Er ist nur einmal gültig und läuft {{ expires_at }} ab.\n"),
    "password_reset": (
        "Passwort für das Portal von {{ org.name }} zurücksetzen",
        "jemand hat angefordert, Ihr Passwort zurückzusetzen. Wenn Sie das waren, öffnen Sie den Link unten "
        "innerhalb von {{ expires_in_minutes }} Minuten.\nWenn nicht, können Sie diese E-Mail ignorieren.\n"),
    "email_verification": (
        "Bestätigen Sie Ihre E-Mail-Adresse für {{ org.name }}",
        "bestätigen Sie Ihre Adresse über den Link unten.\n"),
    "invoice_issued": (
        "Rechnung {{ invoice_number }} von {{ org.name }}",
        "{{ org.name }} hat Ihnen die Rechnung {{ invoice_number }} über {{ amount }} gesendet, "
        "Fälligkeit: {{ due_date }}.\nSie können sie im Portal ansehen und bezahlen: {{ link }}\n"),
    "payment_reminder": (
        "Erinnerung: Rechnung {{ invoice_number }} {{ when }}",
        "die Rechnung {{ invoice_number }} von {{ org.name }} über {{ amount }} {{ when }} "
        "(Fälligkeitsdatum {{ due_date }}).\nSie können sie im Portal bezahlen: {{ link }}\n\n"
        "Falls Sie bereits bezahlt haben, vielen Dank, und betrachten Sie diese Erinnerung bitte als gegenstandslos.\n"),
    "payment_receipt": (
        "Beleg für Ihre Zahlung an {{ org.name }}",
        "wir haben {{ amount }} für {{ invoice_numbers }} erhalten. Vielen Dank.\n"
        "Ihr Zahlungsbeleg: {{ receipt_link }}\n"),
    "payment_failed": (
        "Ihre Zahlung für {{ invoice_number }} ist fehlgeschlagen",
        "Ihre Zahlung über {{ amount }} für {{ invoice_number }} ist fehlgeschlagen: {{ reason }}\n"
        "Sie können hier erneut bezahlen: {{ pay_link }}\n"),
    "invoice_forwarded": (
        "{{ sender_name }} hat die Rechnung {{ invoice_number }} mit Ihnen geteilt",
        "{{ sender_name }} hat die Rechnung {{ invoice_number }} von {{ org.name }} mit Ihnen geteilt: {{ link }}\n"),
    "document_forwarded": (
        "{{ sender_name }} hat {{ document_title }} mit Ihnen geteilt",
        "{{ sender_name }} hat {{ document_title }} von {{ org.name }} mit Ihnen geteilt: {{ link }}\n"),
    "portal_comment": (
        "Neuer Kommentar zu {{ document_number }}",
        "{{ org.name }} hat {{ document_number }} kommentiert:\n\n{{ comment }}\n\n"
        "Antworten Sie im Portal: {{ link }}\n"),
    "ticket_reply": (
        "[{{ ticket_number }}] {{ ticket_subject }}",
        "{{ reply }}\n\nden gesamten Verlauf finden Sie hier: {{ link }}\n"),
    "document_shared": (
        "{{ org.name }} hat {{ document_name }} mit Ihnen geteilt",
        "{{ document_name }} steht für Sie bereit: {{ link }}\n"),
    "shipment_dispatched": (
        "Ihre Bestellung {{ order_number }} ist unterwegs",
        "Ihre Bestellung {{ order_number }} von {{ org.name }} ist unterwegs"
        "{% if carrier %} mit {{ carrier }}{% endif %}.\n"
        "{% if expected_on %}Sie wird am {{ expected_on }} erwartet.\n{% endif %}"
        "{% if tracking_number %}Sendungsnummer: {{ tracking_number }}\n{% endif %}"
        "{% if tracking_link %}Sendung beim Versanddienstleister verfolgen: {{ tracking_link }}\n{% endif %}"
        "\nIhre Bestellung ansehen: {{ link }}\n"),
    "shipment_delivered": (
        "Ihre Bestellung {{ order_number }} wurde zugestellt",
        "Ihre Bestellung {{ order_number }} von {{ org.name }} wurde"
        "{% if carrier %} von {{ carrier }}{% endif %} zugestellt.\n{% if detail %}{{ detail }}\n{% endif %}"
        "\nIhre Bestellung ansehen: {{ link }}\n"),
    "shipment_exception": (
        "Problem bei der Zustellung Ihrer Bestellung {{ order_number }}",
        "{% if carrier %}{{ carrier }}{% else %}der Versanddienstleister{% endif %} meldet ein Problem bei der "
        "Zustellung Ihrer Bestellung {{ order_number }} von {{ org.name }}.\n"
        "{% if detail %}{{ detail }}\n{% endif %}"
        "{% if tracking_link %}Sendung beim Versanddienstleister verfolgen: {{ tracking_link }}\n{% endif %}"
        "\nIhre Bestellung ansehen: {{ link }}\n"),
    "service_request_update": (
        "Neuigkeiten zu Ihrer Serviceanfrage {{ request_number }}",
        "{% if update %}{{ author }} hat zu Ihrer Serviceanfrage {{ request_number }} geschrieben:\n\n"
        "{{ update }}\n\n{% endif %}"
        "{% if status %}Ihre Serviceanfrage {{ request_number }} ist jetzt: {{ status }}.\n\n{% endif %}"
        "Ihre Anfrage ansehen: {{ link }}\n"),
    "quote_decision": (
        "Angebot {{ quote_number }} wurde {% if decision == 'accepted' %}angenommen{% else %}abgelehnt{% endif %}",
        "{{ contact_name }} hat das Angebot {{ quote_number }} "
        "{% if decision == 'accepted' %}angenommen{% else %}abgelehnt{% endif %}.\nDetails: {{ link }}\n"),
    "staff_activity": (
        "{{ org.name }}: {{ activity }}",
        "im Portal von {{ org.name }}: {{ activity }}.\nZum Aktivitätsverlauf: {{ link }}\n"),
    "staff_digest": (
        "{{ org.name }}: Ihre Aktivitätsübersicht für {{ day }}",
        "das geschah am {{ day }} im Portal von {{ org.name }}:\n\n"
        "{{ summary }}\n\nZum Aktivitätsverlauf: {{ link }}\n"),
}

FRENCH = {
    "invitation": (
        "Votre invitation au portail client de {{ org.name }}",
        "{{ inviter }} vous invite au portail client de {{ org.name }}.\n"
        "Choisissez votre mot de passe à l'aide du lien ci-dessous. Il ne fonctionne qu'une fois et expire "
        "{{ expires_at }}.\n"),
    "password_reset": (
        "Réinitialisez votre mot de passe du portail de {{ org.name }}",
        "Quelqu'un a demandé la réinitialisation de votre mot de passe. Si c'est vous, ouvrez le lien ci-dessous "
        "dans les {{ expires_in_minutes }} minutes.\nSinon, ignorez cet e-mail.\n"),
    "email_verification": (
        "Confirmez votre adresse e-mail pour {{ org.name }}",
        "Confirmez votre adresse à l'aide du lien ci-dessous.\n"),
    "invoice_issued": (
        "Facture {{ invoice_number }} de {{ org.name }}",
        "{{ org.name }} vous a envoyé la facture {{ invoice_number }} d'un montant de {{ amount }}, "
        "échéance : {{ due_date }}.\nConsultez-la et réglez-la sur le portail : {{ link }}\n"),
    "payment_reminder": (
        "Rappel : la facture {{ invoice_number }} {{ when }}",
        "La facture {{ invoice_number }} de {{ org.name }} d'un montant de {{ amount }} {{ when }} "
        "(date d'échéance : {{ due_date }}).\nRéglez-la sur le portail : {{ link }}\n\n"
        "Si vous l'avez déjà réglée, merci, et veuillez ne pas tenir compte de ce rappel.\n"),
    "payment_receipt": (
        "Reçu de votre paiement à {{ org.name }}",
        "Nous avons bien reçu {{ amount }} pour {{ invoice_numbers }}. Merci.\n"
        "Votre reçu : {{ receipt_link }}\n"),
    "payment_failed": (
        "Votre paiement pour {{ invoice_number }} n'a pas abouti",
        "Votre paiement de {{ amount }} pour {{ invoice_number }} a échoué : {{ reason }}\n"
        "Vous pouvez payer à nouveau ici : {{ pay_link }}\n"),
    "invoice_forwarded": (
        "{{ sender_name }} a partagé la facture {{ invoice_number }} avec vous",
        "{{ sender_name }} a partagé avec vous la facture {{ invoice_number }} de {{ org.name }} : {{ link }}\n"),
    "document_forwarded": (
        "{{ sender_name }} a partagé {{ document_title }} avec vous",
        "{{ sender_name }} a partagé avec vous {{ document_title }} de {{ org.name }} : {{ link }}\n"),
    "portal_comment": (
        "Nouveau commentaire sur {{ document_number }}",
        "{{ org.name }} a commenté {{ document_number }} :\n\n{{ comment }}\n\n"
        "Répondez sur le portail : {{ link }}\n"),
    "ticket_reply": (
        "[{{ ticket_number }}] {{ ticket_subject }}",
        "{{ reply }}\n\nVoir toute la conversation : {{ link }}\n"),
    "document_shared": (
        "{{ org.name }} a partagé {{ document_name }} avec vous",
        "{{ document_name }} vous attend : {{ link }}\n"),
    "shipment_dispatched": (
        "Votre commande {{ order_number }} est en route",
        "Votre commande {{ order_number }} de {{ org.name }} est en route"
        "{% if carrier %} avec {{ carrier }}{% endif %}.\n"
        "{% if expected_on %}Sa livraison est prévue le {{ expected_on }}.\n{% endif %}"
        "{% if tracking_number %}Numéro de suivi : {{ tracking_number }}\n{% endif %}"
        "{% if tracking_link %}Suivez-la chez le transporteur : {{ tracking_link }}\n{% endif %}"
        "\nVoir votre commande : {{ link }}\n"),
    "shipment_delivered": (
        "Votre commande {{ order_number }} a été livrée",
        "Votre commande {{ order_number }} de {{ org.name }} a été livrée"
        "{% if carrier %} par {{ carrier }}{% endif %}.\n{% if detail %}{{ detail }}\n{% endif %}"
        "\nVoir votre commande : {{ link }}\n"),
    "shipment_exception": (
        "Un problème avec la livraison de votre commande {{ order_number }}",
        "{% if carrier %}{{ carrier }}{% else %}Le transporteur{% endif %} signale un problème lors de la "
        "livraison de votre commande {{ order_number }} de {{ org.name }}.\n"
        "{% if detail %}{{ detail }}\n{% endif %}"
        "{% if tracking_link %}Suivez-la chez le transporteur : {{ tracking_link }}\n{% endif %}"
        "\nVoir votre commande : {{ link }}\n"),
    "service_request_update": (
        "Du nouveau sur votre demande de service {{ request_number }}",
        "{% if update %}{{ author }} a écrit au sujet de votre demande de service {{ request_number }} :\n\n"
        "{{ update }}\n\n{% endif %}"
        "{% if status %}Statut de votre demande de service {{ request_number }} : {{ status }}.\n\n{% endif %}"
        "Voir votre demande : {{ link }}\n"),
    "quote_decision": (
        "Le devis {{ quote_number }} a été {% if decision == 'accepted' %}accepté{% else %}refusé{% endif %}",
        "{{ contact_name }} a {% if decision == 'accepted' %}accepté{% else %}refusé{% endif %} "
        "le devis {{ quote_number }}.\nDétails : {{ link }}\n"),
    "staff_activity": (
        "{{ org.name }} : {{ activity }}",
        "Sur le portail de {{ org.name }} : {{ activity }}.\nVoir le fil d'activité : {{ link }}\n"),
    "staff_digest": (
        "{{ org.name }} : votre résumé d'activité du {{ day }}",
        "Voici ce qui s'est passé sur le portail de {{ org.name }} le {{ day }} :\n\n"
        "{{ summary }}\n\nVoir le fil d'activité : {{ link }}\n"),
}

ARABIC = {
    "invitation": (
        "دعوة إلى بوابة عملاء {{ org.name }}",
        "دعاك {{ inviter }} إلى بوابة عملاء {{ org.name }}.\n"
        "عيّن كلمة المرور الخاصة بك باستخدام الرابط أدناه. يعمل الرابط مرة واحدة فقط وتنتهي صلاحيته {{ expires_at }}.\n"),
    "password_reset": (
        "إعادة تعيين كلمة مرور بوابة {{ org.name }}",
        "طلب أحدهم إعادة تعيين كلمة المرور الخاصة بك. إذا كنت أنت، فافتح الرابط أدناه خلال "
        "{{ expires_in_minutes }} دقيقة.\nوإن لم تكن أنت، فتجاهل هذه الرسالة.\n"),
    "email_verification": (
        "تأكيد عنوان بريدك الإلكتروني لدى {{ org.name }}",
        "أكّد عنوانك باستخدام الرابط أدناه.\n"),
    "invoice_issued": (
        "الفاتورة {{ invoice_number }} من {{ org.name }}",
        "أرسلت إليك {{ org.name }} الفاتورة {{ invoice_number }} بمبلغ {{ amount }}، "
        "وتاريخ استحقاقها {{ due_date }}.\nيمكنك عرضها ودفعها في البوابة: {{ link }}\n"),
    "payment_reminder": (
        "تذكير: الفاتورة {{ invoice_number }} {{ when }}",
        "الفاتورة {{ invoice_number }} من {{ org.name }} بمبلغ {{ amount }} {{ when }} "
        "(تاريخ الاستحقاق {{ due_date }}).\nادفعها في البوابة: {{ link }}\n\n"
        "إذا كنت قد دفعتها بالفعل، فشكرًا لك، ويُرجى تجاهل هذا التذكير.\n"),
    "payment_receipt": (
        "إيصال دفعتك إلى {{ org.name }}",
        "استلمنا مبلغ {{ amount }} عن {{ invoice_numbers }}. شكرًا لك.\n"
        "إيصالك: {{ receipt_link }}\n"),
    "payment_failed": (
        "لم تتم دفعتك عن {{ invoice_number }}",
        "فشلت دفعتك بمبلغ {{ amount }} عن {{ invoice_number }}: {{ reason }}\n"
        "يمكنك الدفع مرة أخرى من هنا: {{ pay_link }}\n"),
    "invoice_forwarded": (
        "شارك {{ sender_name }} الفاتورة {{ invoice_number }} معك",
        "شارك {{ sender_name }} معك الفاتورة {{ invoice_number }} من {{ org.name }}: {{ link }}\n"),
    "document_forwarded": (
        "شارك {{ sender_name }} {{ document_title }} معك",
        "شارك {{ sender_name }} معك {{ document_title }} من {{ org.name }}: {{ link }}\n"),
    "portal_comment": (
        "تعليق جديد على {{ document_number }}",
        "علّقت {{ org.name }} على {{ document_number }}:\n\n{{ comment }}\n\n"
        "ردّ في البوابة: {{ link }}\n"),
    "ticket_reply": (
        "[{{ ticket_number }}] {{ ticket_subject }}",
        "{{ reply }}\n\nاطّلع على المحادثة كاملة: {{ link }}\n"),
    "document_shared": (
        "شاركت {{ org.name }} {{ document_name }} معك",
        "{{ document_name }} بانتظارك: {{ link }}\n"),
    "shipment_dispatched": (
        "طلبك {{ order_number }} في الطريق إليك",
        "طلبك {{ order_number }} من {{ org.name }} في الطريق إليك"
        "{% if carrier %} مع {{ carrier }}{% endif %}.\n"
        "{% if expected_on %}من المتوقع وصوله في {{ expected_on }}.\n{% endif %}"
        "{% if tracking_number %}رقم التتبع: {{ tracking_number }}\n{% endif %}"
        "{% if tracking_link %}تتبّعه لدى شركة الشحن: {{ tracking_link }}\n{% endif %}"
        "\nاطّلع على طلبك: {{ link }}\n"),
    "shipment_delivered": (
        "تم تسليم طلبك {{ order_number }}",
        "تم تسليم طلبك {{ order_number }} من {{ org.name }}"
        "{% if carrier %} بواسطة {{ carrier }}{% endif %}.\n{% if detail %}{{ detail }}\n{% endif %}"
        "\nاطّلع على طلبك: {{ link }}\n"),
    "shipment_exception": (
        "مشكلة في تسليم طلبك {{ order_number }}",
        "{% if carrier %}أبلغت {{ carrier }}{% else %}أبلغت شركة الشحن{% endif %} عن مشكلة في تسليم "
        "طلبك {{ order_number }} من {{ org.name }}.\n"
        "{% if detail %}{{ detail }}\n{% endif %}"
        "{% if tracking_link %}تتبّعه لدى شركة الشحن: {{ tracking_link }}\n{% endif %}"
        "\nاطّلع على طلبك: {{ link }}\n"),
    "service_request_update": (
        "مستجدات طلب الخدمة {{ request_number }}",
        "{% if update %}كتب {{ author }} بشأن طلب الخدمة {{ request_number }}:\n\n"
        "{{ update }}\n\n{% endif %}"
        "{% if status %}حالة طلب الخدمة {{ request_number }} الآن: {{ status }}.\n\n{% endif %}"
        "اطّلع على طلبك: {{ link }}\n"),
    "quote_decision": (
        "{% if decision == 'accepted' %}تم قبول{% else %}تم رفض{% endif %} عرض السعر {{ quote_number }}",
        "{% if decision == 'accepted' %}قبِل{% else %}رفض{% endif %} {{ contact_name }} عرض السعر "
        "{{ quote_number }}.\nالتفاصيل: {{ link }}\n"),
    "staff_activity": (
        "{{ org.name }}: {{ activity }}",
        "في بوابة {{ org.name }}: {{ activity }}.\nاطّلع على سجل النشاط: {{ link }}\n"),
    "staff_digest": (
        "{{ org.name }}: ملخص نشاطك ليوم {{ day }}",
        "ما جرى في بوابة {{ org.name }} يوم {{ day }}:\n\n"
        "{{ summary }}\n\nاطّلع على سجل النشاط: {{ link }}\n"),
}

_FORWARDED = ("invoice_forwarded", "document_forwarded")


def _whole(locale: str, wordings: dict) -> dict[str, tuple[str, str]]:
    """Each kind's (subject, text), the greeting before the text and a forward's message after it."""
    return {kind: (subject, _HI[locale] + text + (_SENDERS_MESSAGE[locale] if kind in _FORWARDED else ""))
            for kind, (subject, text) in wordings.items()}


DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    "de": _whole("de", GERMAN), "fr": _whole("fr", FRENCH), "ar": _whole("ar", ARABIC)}


def default_wording(kind: str, locale: str) -> tuple[str, str] | None:
    """Our (subject, text) of `kind` in `locale`'s language; None where we have none (English
    is the kind's own)."""
    return DEFAULTS.get(locale.split("-")[0], {}).get(kind)

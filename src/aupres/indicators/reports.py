"""The yearly activity report (rapport d'activité) of a service: HTML, and PDF through WeasyPrint,
generated as a background task whose progress the screen polls. Built only from published
(disclosure-controlled) tables, the service's identity, its budget and the head's free-text sections."""

import datetime
import logging
import secrets

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.core.errors import NotFound
from aupres.indicators import changes, charts, engine, formats, services
from aupres.indicators.models import GenerationStatus, ReportGeneration, Submission
from aupres.services.models import WEEKDAYS, CapacityUnit, Service

logger = logging.getLogger(__name__)

GROUPS = (
    (_("Public"), ("caseload", "new_persons", "persons_met", "persons_by_sex", "persons_by_age",
                   "persons_by_living_situation", "persons_by_administrative_situation",
                   "persons_by_health_cover")),
    (_("Activity"), ("persons_met_by_month", "encounters_by_month", "referrals_by_source", "referrals_by_status",
                     "referral_to_first_contact", "encounters_by_place", "encounters_by_mode", "acts_by_kind",
                     "health_actions", "collective_actions", "collective_participants", "occupancy")),
    (_("Outcomes"), ("rights_opened", "admission_requests", "orientations", "exits_by_reason",
                     "exits_by_destination", "followup_length", "objectives_results",
                     # entry against exit (aupres.care.indicators; health figures)
                     "housing_at_entry", "housing_at_exit", "health_cover_at_entry", "health_cover_at_exit",
                     "income_at_entry", "income_at_exit", "entries_into_housing")),
    (_("Team and budget"), ("staffing_etp", "budget_by_funder", "cost_per_place")),
)


def _check(user, service_id):
    if service_id not in set(services.dashboard_services(user).values_list("pk", flat=True)):
        raise NotFound()


def new_generation(user, service_id, year):
    """A queued generation of the report, once the user may read the service's indicators; the caller
    queues its task (aupres.indicators.tasks.start_report)."""
    _check(user, service_id)
    services.publication_period(report_period(year), year_to_date=True)  # the publication grid
    return ReportGeneration.objects.create(service_id=service_id, year=year, requested_by=user)


def latest(user, service_id, year, done=False):
    _check(user, service_id)
    qs = ReportGeneration.objects.filter(service_id=service_id, year=year)
    if done:
        qs = qs.filter(status=GenerationStatus.DONE)
    gen = qs.first()
    if gen is None:
        raise NotFound()
    return gen


def get_generation(user, generation_id):
    gen = ReportGeneration.objects.filter(pk=generation_id).first()
    if gen is None:
        raise NotFound()
    _check(user, gen.service_id)
    return gen


def open_file(gen):
    return default_storage.open(gen.file_path, "rb")


def report_period(year, today=None):
    """The year of the report; the current year is reported to date (never with days still to come)."""
    today = today or timezone.localdate()
    period = engine.Period.year(year)
    if period.start <= today < period.end:
        period = engine.Period(period.start, today)
    return period


def rules_in_force(service, period):
    """The dated rules of the service over the period, in words: [(label, [(from, to, text)])]."""
    weekday = dict(zip(WEEKDAYS, (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")),
                       strict=True))
    unit = dict(CapacityUnit.choices)

    def days(value):
        return _("not set") if value is None else f"{formats.number(value)} {_('days')}"

    def capacity(lo):
        return f"{formats.number(service.rule_on('capacity', lo))} {unit.get(service.rule_on('capacity_unit', lo), '')}"

    rows = [(_("Capacity"), "capacity", capacity),
            (_("Usual length, up to"), "usual_length_max_days", lambda lo: days(service.rule_on(
                "usual_length_max_days", lo))),
            (_("Maximum length"), "max_length_days", lambda lo: days(service.rule_on("max_length_days", lo))),
            (_("Opening days"), "opening_days", lambda lo: ", ".join(
                str(weekday[d]) for d in service.rule_on("opening_days", lo) or ""))]
    out = []
    for label, rule, text in rows:
        bounds = sorted({lo for lo, _hi, _v in service.rule_segments(rule, period.start, period.end)}
                        | ({lo for lo, _hi, _v in service.rule_segments("capacity_unit", period.start, period.end)}
                           if rule == "capacity" else set()))
        segments = []
        for i, lo in enumerate(bounds):
            hi = bounds[i + 1] - datetime.timedelta(days=1) if i + 1 < len(bounds) else period.end
            segments.append({"from": lo, "to": hi, "text": text(lo), "whole": len(bounds) == 1})
        out.append({"label": label, "segments": segments})
    return out


def context(service, year, progress=None):
    """Everything the report shows, disclosure-controlled."""
    period = report_period(year)
    report = services.publish_services(Service.objects.filter(pk=service.pk), service.name, period,
                                       progress=progress)
    by_code = {t["code"]: t for t in report["tables"]}
    today = timezone.localdate()
    series = charts.series_names(period.start, period.end, report["previous_from"], report["previous_to"])
    for table in by_code.values():
        table["svg"] = charts.for_table(table, today=today, period_end=period.end, series=series)
        table["cells"] = [
            {"label": c["label"], "value": table["values"].get(c["key"]), "hidden": table["hidden"].get(c["key"]),
             "previous": table["previous"]["values"].get(c["key"]),
             "previous_hidden": table["previous"]["hidden"].get(c["key"])}
            for c in table["columns"]]
        table["total_hidden"] = table["hidden"].get("__total__")
        table["previous_total_hidden"] = table["previous"]["hidden"].get("__total__")
    groups = [{"title": title, "tables": [by_code[c] for c in codes if c in by_code]} for title, codes in GROUPS]
    team = [c for c in by_code["staffing_etp"]["cells"] if c["value"]]
    return {"service": service, "year": year, "period": period, "report": report, "groups": groups,
            "sections": list(services.sections(service.pk, year)), "team": team,
            "territories": list(service.territories.all()), "generated_at": timezone.now(),
            "running": period.end >= today and period.end < engine.Period.year(year).end,
            "rules": rules_in_force(service, period), "submission": _last_submission(service, year),
            "submission_changed": _submission_changed(by_code, _last_submission(service, year)),
            "mean_followup_days": report["extra"].get("mean_followup_days")}


def _submission_changed(by_code, submission):
    """Whether the figures computed today differ from the submitted (frozen) ones."""
    if submission is None:
        return False
    return bool(changes.between(submission.tables, {code: {"values": t["values"], "hidden": t["hidden"],
                                                           "total": t["total"]} for code, t in by_code.items()}))


def _last_submission(service, year):
    return (Submission.objects.filter(service=service, period_start=datetime.date(year, 1, 1),
                                      period_end=datetime.date(year, 12, 31)).order_by("-version").first())


def render_html(service, year, for_pdf=False, progress=None):
    ctx = context(service, year, progress)
    ctx["for_pdf"] = for_pdf
    return render_to_string("indicators/report.html", ctx)


def render_pdf(html):
    from weasyprint import CSS, HTML  # noqa: PLC0415 — heavy library (2 s, system fonts), loaded only when a PDF is built

    css = finders.find("css/indicators_report.css")
    return HTML(string=html, base_url="/").write_pdf(stylesheets=[CSS(filename=css)])


def run(generation_id):
    gen = ReportGeneration.objects.select_related("service").get(pk=generation_id)

    def progress(percent, step):
        ReportGeneration.objects.filter(pk=gen.pk).update(progress=percent, step=step)

    ReportGeneration.objects.filter(pk=gen.pk).update(status=GenerationStatus.RUNNING, progress=5, step="start")
    try:
        html = render_html(gen.service, gen.year, for_pdf=True, progress=progress)
        progress(70, "pdf")
        pdf = render_pdf(html)
        progress(95, "file")
        path = default_storage.save(f"reports/{secrets.token_hex(16)}.pdf", ContentFile(pdf))
    except Exception as exc:  # the screen must show the failure, not poll for ever
        logger.exception("report generation %s failed", gen.pk)
        ReportGeneration.objects.filter(pk=gen.pk).update(status=GenerationStatus.FAILED, error=type(exc).__name__,
                                                          finished_at=timezone.now())
        return
    ReportGeneration.objects.filter(pk=gen.pk).update(status=GenerationStatus.DONE, progress=100, step="done",
                                                      file_path=path, finished_at=timezone.now())

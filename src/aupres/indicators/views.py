import datetime

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.forms import add_domain_error, date_input
from aupres.indicators import changes, charts, exports, maps, needs, reports, services, tasks, territory
from aupres.indicators.models import FunderKind, ServiceYearBudget, StaffingEntry, Submission
from aupres.services.models import Operator, Profession, Service


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=date_input(), required=False)
    end = forms.DateField(label=gettext_lazy("To"), widget=date_input(), required=False)


def _period(request):
    form = PeriodForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if start is None and end is None:  # dashboards open on the current year to date (issue #19)
        today = timezone.localdate()
        start, end = datetime.date(today.year, 1, 1), today
    try:
        period = services.publication_period(services.make_period(start, end), year_to_date=True)
    except DomainError as error:
        add_domain_error(form, error)
        period = services.make_period(None, None)  # the last year over
    if not form.is_bound:
        form = PeriodForm(initial={"start": period.start, "end": period.end})
    return form, period


def _decorate(report):
    today = timezone.localdate()
    series = charts.series_names(report["from"], report["to"], report["previous_from"], report["previous_to"])
    for table in report["tables"]:
        table["svg"] = charts.for_table(table, today=today, period_end=report["to"], series=series)
        prev = table.get("previous")
        table["cells"] = [
            {"key": c["key"], "label": c["label"], "value": table["values"].get(c["key"]),
             "hidden": table["hidden"].get(c["key"]),
             "previous": prev["values"].get(c["key"]) if prev else None,
             "previous_hidden": prev["hidden"].get(c["key"]) if prev else None}
            for c in table["columns"]]
        table["total_hidden"] = table["hidden"].get("__total__")
        if prev:
            table["previous_total_hidden"] = prev["hidden"].get("__total__")
    return report


def home(request):
    if services.is_funder(request.user):
        return redirect("indicators:funder")
    mine = services.dashboard_services(request.user).select_related("operator").order_by("operator__name", "name")
    operators = Operator.objects.filter(pk__in=access.managed_operator_ids(request.user))
    return render(request, "indicators/home.html", {"services": mine, "operators": operators})


def _dashboard(request, scope, scope_id, extra):
    form, period = _period(request)
    report = services.published_live(request.user, scope, scope_id, period)
    query = f"?start={period.start.isoformat()}&end={period.end.isoformat()}"
    exports_links = [(fmt.upper(), reverse("indicators:export", args=[scope, scope_id, fmt]) + query)
                     for fmt in exports.FORMATS]
    return render(request, "indicators/dashboard.html", {
        "report": _decorate(report), "form": form, "period": period, "exports": exports_links,
        "quick_periods": quick_periods(period), **extra})


def quick_periods(period):
    """One click to the current year to date and to each of the two years before: (label, query, current)."""
    today = timezone.localdate()
    out = [(_("This year, to %(date)s") % {"date": today.strftime("%d/%m/%Y")},
            datetime.date(today.year, 1, 1), today)]
    for year in (today.year - 1, today.year - 2):
        out.append((str(year), datetime.date(year, 1, 1), datetime.date(year, 12, 31)))
    return [{"label": label, "query": f"?start={a.isoformat()}&end={b.isoformat()}",
             "current": (a, b) == (period.start, period.end)} for label, a, b in out]


def service_dashboard(request, service_id):
    service = services.dashboard_services(request.user).filter(pk=service_id).first()
    if service is None:
        raise Http404
    is_head = access.is_head_of_service(request.user, service_id)
    subs = list(Submission.objects.filter(service=service).order_by("-submitted_at")[:10])
    for sub in subs:  # a re-submission shows what it changed
        sub.changes = changes.from_previous_version(sub)
    return _dashboard(request, services.SERVICE, service_id, {
        "service": service, "is_head": is_head, "submissions": subs,
        "report_year": timezone.localdate().year - 1})


def operator_dashboard(request, operator_id):
    operator = Operator.objects.filter(pk=operator_id).first()
    if operator is None:
        raise Http404
    return _dashboard(request, services.OPERATOR, operator_id, {"operator": operator})


def _funders_year(period):
    """Funders read submitted whole years only: a dashboard's year to date becomes the last year over."""
    try:
        return services.publication_period(period)
    except DomainError:
        return services.make_period(None, None)


def funder_view(request):
    if not (services.is_funder(request.user) or request.user.is_superuser):
        raise Http404
    periods = list(services.visible_submissions(request.user).order_by("-period_start", "period_end")
                   .values_list("period_start", "period_end").distinct())
    form, period = _period(request)
    periods = [p for p in periods if services.engine.Period(*p).is_whole_years() and p[0].year == p[1].year]
    if not request.GET and periods:
        period = services.make_period(*periods[0])
        form = PeriodForm(initial={"start": period.start, "end": period.end})
    period = _funders_year(period)
    report = services.regional_view(request.user, period)
    for table in report["tables"]:
        if table.get("region"):
            region = {**table, **table["region"]}
            table["svg"] = charts.for_table({**region, "previous": None}, today=timezone.localdate(),
                                            period_end=period.end)
    query = f"?start={period.start.isoformat()}&end={period.end.isoformat()}"
    exports_links = [(fmt.upper(), reverse("indicators:export", args=["territory", 0, fmt]) + query)
                     for fmt in exports.FORMATS]
    # Needs against responses (issue #18): the map reads every referral of the year (2 s with a region of
    # 1 000 services), so the page names the year and the map comes by htmx from the needs screen (#15).
    needs_year = period.start.year if request.user.territory_id or request.user.is_superuser else None
    return render(request, "indicators/funder.html", {
        "report": report, "form": form, "period": period, "periods": periods, "exports": exports_links,
        "query": query,
        "key_figures": territory.key_figures(report), "comparisons": territory.comparison_charts(report),
        "yoy": territory.year_on_year(request.user, periods, period, report), "needs_year": needs_year})


def funder_table(request, code):
    """One indicator of the funder's page, service by service: the page shows each indicator's Sum and reads
    these rows when the indicator is opened (htmx; without script, this page)."""
    if not (services.is_funder(request.user) or request.user.is_superuser):
        raise Http404
    _form, period = _period(request)
    period = _funders_year(period)
    report = services.regional_view(request.user, period)
    table = next((t for t in report["tables"] if t["code"] == code), None)
    if table is None:
        raise Http404
    if request.headers.get("HX-Request"):
        return render(request, "indicators/_funder_rows.html", {"t": table})
    query = f"?start={period.start.isoformat()}&end={period.end.isoformat()}"
    return render(request, "indicators/funder_table.html", {"t": table, "report": report, "period": period,
                                                            "query": query})


def needs_view(request):
    """Needs against responses, by territory (issue #18): the funder's and the regulator's analysis."""
    if not needs.can_read(request.user):
        raise Http404
    try:
        year = int(request.GET.get("annee") or 0) or None
        result = needs.analysis(request.user, year)
    except (ValueError, DomainError):
        result = needs.analysis(request.user, None)
    kind = request.GET.get("type") or None
    result["map"] = maps.needs_map(result, kind) or maps.needs_map(result)
    result["map_kind"] = next((k for k in result["kinds"] if k["code"] == kind), None)
    if request.htmx and request.GET.get("fragment") == "map":  # the funder's page, once it is shown
        return render(request, "indicators/_needs_map.html", {"needs": result})
    return render(request, "indicators/needs.html", {
        "needs": result, "years": needs.years(), "yoy": needs.yearly_totals(request.user),
        "attribution": maps.attribution()})


def export(request, scope, scope_id, fmt):
    if fmt not in exports.FORMATS or scope not in (services.SERVICE, services.OPERATOR, services.TERRITORY):
        raise Http404
    _form, period = _period(request)
    if services.is_funder(request.user) or (request.user.is_superuser and scope == services.TERRITORY):
        report = services.regional_view(request.user, _funders_year(period))
    else:
        report = services.published_live(request.user, scope, scope_id, period)
    render_, content_type = exports.FORMATS[fmt]
    response = HttpResponse(render_(report), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(report, scope, scope_id, fmt)}"'
    return response


@require_POST
def submit(request, service_id):
    _form, period = _period(request)
    start, end = request.POST.get("start"), request.POST.get("end")
    try:
        if start and end:
            period = services.make_period(datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))
        sub = services.submit(request.user, service_id, period, request.POST.get("comment", "")[:500])
    except (NotFound, Forbidden):
        raise  # DomainErrors too: kept from the handler below, so DomainErrorMiddleware answers 404 or 403
    except (DomainError, ValueError) as error:
        messages.error(request, str(getattr(error, "message", _("Invalid period."))))
    else:
        messages.success(request, _("Indicators submitted (version %(v)s).") % {"v": sub.version})
    return redirect(reverse("indicators:service", args=[service_id])
                    + f"?start={period.start.isoformat()}&end={period.end.isoformat()}")


class BudgetForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    funder = forms.ChoiceField(label=gettext_lazy("Funder"), choices=FunderKind.choices)
    amount = forms.DecimalField(label=gettext_lazy("Amount (€)"), min_value=0, max_digits=12, decimal_places=2)


class StaffingForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    profession = forms.ChoiceField(label=gettext_lazy("Profession"), choices=Profession.choices)
    etp = forms.DecimalField(label=gettext_lazy("Full-time equivalent (ETP)"), min_value=0.01, max_digits=5,
                             decimal_places=2)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


@require_http_methods(["GET", "POST"])
def budget(request, service_id):
    service = services.dashboard_services(request.user).filter(pk=service_id).first()
    if service is None:
        raise Http404
    year = timezone.localdate().year
    budget_form = BudgetForm(request.POST if request.POST.get("what") == "budget" else None, initial={"year": year})
    staffing_form = StaffingForm(request.POST if request.POST.get("what") == "staffing" else None,
                                 initial={"year": year})
    for form, save in ((budget_form, lambda d: services.set_budget(request.user, service_id, d["year"], d["funder"],
                                                                    d["amount"])),
                       (staffing_form, lambda d: services.add_staffing(request.user, service_id, d["year"],
                                                                        d["profession"], d["etp"], d["note"]))):
        if form.is_bound and form.is_valid():
            try:
                save(form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("indicators:budget", service_id=service_id)
    return render(request, "indicators/budget.html", {
        "service": service, "budget_form": budget_form, "staffing_form": staffing_form,
        "is_head": access.is_head_of_service(request.user, service_id),
        "lines": ServiceYearBudget.objects.filter(service=service).order_by("-year", "funder"),
        "staffing": StaffingEntry.objects.filter(service=service).order_by("-year", "profession")})


class SectionForm(forms.Form):
    section_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    text = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea, max_length=20_000)


@require_http_methods(["GET", "POST"])
def report(request, service_id, year):
    service = services.dashboard_services(request.user).filter(pk=service_id).first()
    if service is None or not 2000 <= year <= 2100:
        raise Http404
    is_head = access.is_head_of_service(request.user, service_id)
    form = SectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.save_section(request.user, service_id, year, d["title"], d["text"], d["section_id"],
                                  d["version"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Section saved."))
            return redirect("indicators:report", service_id=service_id, year=year)
    sections = list(services.sections(service_id, year))
    edit_forms = [(s, SectionForm(initial={"section_id": s.pk, "version": s.version, "title": s.title,
                                           "text": s.text}, auto_id=f"s{s.pk}_%s")) for s in sections]
    generation = service.report_generations.filter(year=year).first()
    return render(request, "indicators/report_edit.html", {
        "service": service, "year": year, "is_head": is_head, "form": form, "sections": edit_forms,
        "generation": generation})


def report_preview(request, service_id, year):
    service = services.dashboard_services(request.user).filter(pk=service_id).first()
    if service is None or not 2000 <= year <= 2100:
        raise Http404
    try:
        services.publication_period(reports.report_period(year), year_to_date=True)
    except DomainError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(reports.render_html(service, year))


@require_POST
def report_generate(request, service_id, year):
    try:
        gen = tasks.start_report(request.user, service_id, year)
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    return render(request, "indicators/_generation.html", {"generation": gen})


def report_status(request, generation_id):
    gen = reports.get_generation(request.user, generation_id)
    return render(request, "indicators/_generation.html", {"generation": gen})


def report_file(request, generation_id):
    gen = reports.get_generation(request.user, generation_id)
    if gen.status != "done":
        raise Http404
    service = Service.objects.get(pk=gen.service_id)
    return FileResponse(reports.open_file(gen), content_type="application/pdf", as_attachment=True,
                        filename=f"rapport-activite-{service.pk}-{gen.year}.pdf")

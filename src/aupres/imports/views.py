"""Screens of the import (issue #17): upload, mapping, dry run, progress, report, undo."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from aupres.core.errors import DomainError, Forbidden
from aupres.imports import services, tasks
from aupres.imports.forms import UploadForm
from aupres.imports.models import ImportStatus


def index(request):
    choices = services.importable_services(request.user)
    if not choices.exists():
        raise Forbidden(services.FORBIDDEN_MESSAGE())
    form = UploadForm(request.POST or None, request.FILES or None, services=choices)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.upload(request.user, form.cleaned_data["service"].pk, upload.name, upload.read())
        except DomainError as error:
            form.add_error("file" if error.field == "file" else None, str(error.message))
        else:
            return redirect("imports:mapping", batch.pk)
    return render(request, "imports/index.html", {
        "form": form, "batches": services.batches(request.user)[:30]})


def mapping(request, batch_id):
    batch = services.get_batch(request.user, batch_id)
    error = None
    if request.method == "POST":
        chosen = {h: request.POST.get(f"col-{i}", "") for i, h in enumerate(batch.headers)}
        value_map = {}
        for field in services.CHOICES:
            for i in range(int(request.POST.get(f"count-{field}", 0) or 0)):
                written, code = request.POST.get(f"raw-{field}-{i}", ""), request.POST.get(f"val-{field}-{i}", "")
                if code:
                    value_map.setdefault(field, {})[written] = code
        try:
            tasks.check(request.user, batch, chosen, value_map)
        except DomainError as exc:
            error = exc.message
            batch.mapping = {h: t for h, t in chosen.items() if t}
        else:
            return redirect("imports:batch", batch.pk)
    columns = [(i, h, batch.mapping.get(h, ""), [row[i] if i < len(row) else "" for row in batch.rows[:3]])
               for i, h in enumerate(batch.headers)]
    values = [(field, services.target_label(field), pairs, services.CHOICES[field].choices)
              for field, pairs in services.written_values(batch).items()]
    return render(request, "imports/mapping.html", {
        "batch": batch, "columns": columns, "targets": services.target_choices(), "values": values,
        "error": error, "editable": batch.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED,
                                                     ImportStatus.FAILED)})


def batch(request, batch_id):
    batch = services.get_batch(request.user, batch_id)
    return render(request, "imports/batch.html", {"batch": batch, **_state(batch)})


def status(request, batch_id):
    batch = services.get_batch(request.user, batch_id)
    return render(request, "imports/_status.html", {"batch": batch, **_state(batch)})


def _state(batch):
    working = batch.status in (ImportStatus.CHECKING, ImportStatus.RUNNING)
    return {"working": working, "can_undo": services.can_undo(batch) if batch.status == ImportStatus.DONE
            else False, "labels": dict(services.target_choices())}


@require_POST
def run(request, batch_id):
    batch = services.get_batch(request.user, batch_id)
    try:
        tasks.start(request.user, batch)
    except DomainError as error:
        return render(request, "imports/batch.html", {"batch": batch, "error": error.message, **_state(batch)},
                      status=409 if error.code == "import_status" else 400)
    return redirect("imports:batch", batch.pk)


@require_POST
def undo(request, batch_id):
    batch = services.get_batch(request.user, batch_id)
    try:
        services.undo(request.user, batch)
    except DomainError as error:
        return render(request, "imports/batch.html", {"batch": batch, "error": error.message, **_state(batch)},
                      status=409)
    return redirect("imports:batch", batch.pk)

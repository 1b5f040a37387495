"""The supervisors' alert queue and its acknowledgement. Rules in app/policy.py, logic in alerts.py."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from app import policy
from app.audit import trail
from app.errors import Invalid
from app.forms import WaypointForm, show_errors
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.oversight import alerts

bp = Blueprint("alerts", __name__)
supervisors = policy.requires(policy.supervises_cases)


class AcknowledgeForm(WaypointForm):
    note = TextAreaField(_l("What you checked or did"), render_kw={"rows": 2})


def acknowledge_form(alert_id: int, *, bound: bool = False) -> AcknowledgeForm:
    """One form per alert on the page; the prefix keeps each note's id (and label) its own."""
    prefix = f"alert-{alert_id}"
    return AcknowledgeForm(prefix=prefix) if bound else AcknowledgeForm(formdata=None, prefix=prefix)


def _queue_page(failed: AcknowledgeForm | None = None, failed_id: int | None = None) -> str:
    open_alerts = alerts.open_alerts(g.user)
    acknowledged = alerts.acknowledged_alerts(g.user)
    trail.record_view((a.subject_id for a in open_alerts + acknowledged if a.subject_id is not None),
                      object_type="alerts")
    forms = {a.id: failed if a.id == failed_id and failed is not None else acknowledge_form(a.id)
             for a in open_alerts}
    return render_template("oversight/alerts.html", open_alerts=open_alerts, forms=forms, failed=failed,
                           open_total=alerts.open_count(g.user), acknowledged=acknowledged)


@bp.route("/alerts")
@supervisors
def index() -> str:
    return _queue_page()


@bp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@supervisors
def acknowledge(alert_id: int) -> Response | tuple[str, int]:
    alert = policy.load_alert(alert_id)
    form = acknowledge_form(alert_id, bound=True)
    if form.validate_on_submit():
        try:
            alerts.acknowledge(g.user, alert, form.note.data or "")
        except Invalid as exc:
            show_errors(form, exc)
        else:
            flash(_("Alert acknowledged: %(kind)s.", kind=alert.kind_label.lower()), "success")
            return redirect(url_for("alerts.index"))
    return _queue_page(form, alert_id), 400

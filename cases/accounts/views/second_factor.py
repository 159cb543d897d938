"""Verifying the second factor after the password, and enrolling a device
(QR code, manual secret, confirmation, ten recovery codes shown once)."""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View

from cases.accounts import second_factor
from cases.accounts.forms import WRONG_CODE, CodeForm


def next_url(request: HttpRequest) -> str:
    """Where to go after the code: `next` if it is a path of this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


class SecondFactorPage(LoginRequiredMixin, View):
    """Only for a signed-in user who needs a second factor and has not given it."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and (
            second_factor.is_verified(user) or not second_factor.requires_second_factor(user)
        ):
            return redirect(next_url(request))
        return super().dispatch(request, *args, **kwargs)


class VerifyView(SecondFactorPage):
    template_name = "accounts/otp_verify.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and second_factor.confirmed_device(request.user) is None:  # type: ignore[arg-type]
            return redirect(f"{reverse('otp_enrol')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(CodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CodeForm(request.POST)
        if form.is_valid():
            device = second_factor.code_verify(
                user=request.user,  # type: ignore[arg-type]
                code=form.cleaned_data["code"],
                via="web",
            )
            if device is not None:
                django_otp.login(request, device)
                return redirect(next_url(request))
            form.add_error("code", WRONG_CODE)
        return self.page(form)

    def page(self, form: CodeForm) -> HttpResponse:
        context = {"form": form, "next": next_url(self.request)}
        return render(self.request, self.template_name, context)


class EnrolView(SecondFactorPage):
    template_name = "accounts/otp_enrol.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and second_factor.confirmed_device(request.user):  # type: ignore[arg-type]
            return redirect(f"{reverse('otp_verify')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(CodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CodeForm(request.POST)
        if form.is_valid():
            device = second_factor.enrolment_device(request.user)  # type: ignore[arg-type]
            codes = second_factor.enrolment_confirm(
                user=request.user,  # type: ignore[arg-type]
                device=device,
                code=form.cleaned_data["code"],
            )
            if codes is not None:
                django_otp.login(request, device)
                context = {"codes": codes, "next": next_url(request)}
                return render(request, "accounts/otp_recovery_codes.html", context)
            form.add_error("code", WRONG_CODE)
        return self.page(form)

    def page(self, form: CodeForm) -> HttpResponse:
        device = second_factor.enrolment_device(self.request.user)  # type: ignore[arg-type]
        uri = device.config_url
        context = {
            "form": form,
            "next": next_url(self.request),
            # Generated here from our own URI: an SVG of paths, nothing else.
            "qr": mark_safe(second_factor.qr_svg(uri)),  # noqa: S308
            "secret": second_factor.secret_base32(device),
        }
        return render(self.request, self.template_name, context)

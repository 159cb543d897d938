from django.urls import path

from cases.reorganization.views import ReorganizationView

urlpatterns = [
    path(
        "administration/reorganization/",
        ReorganizationView.as_view(),
        name="reorganization",
    ),
]

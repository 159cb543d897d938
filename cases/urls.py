from django.http import HttpResponse
from django.urls import path

urlpatterns = [
    path("cases/<int:pk>/", lambda request, pk: HttpResponse(str(pk)), name="case_detail"),
]

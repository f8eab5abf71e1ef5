from django.contrib.auth import views as auth_views
from django.urls import path

from aupres.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("pro-sante-connect/", views.oidc_login, name="oidc_login"),
    path("pro-sante-connect/retour/", views.oidc_callback, name="oidc_callback"),
    path("verification/", views.otp_verify, name="otp_verify"),
    path("double-authentification/", views.otp_enrol, name="otp_enrol"),
    path("securite/", views.security, name="security"),
    path("securite/codes-de-secours/", views.recovery_codes, name="recovery_codes"),
    path("securite/deconnexion-partout/", views.logout_everywhere, name="logout_everywhere"),
]

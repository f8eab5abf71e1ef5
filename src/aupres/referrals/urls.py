from django.urls import path

from aupres.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.home, name="home"),
    path("boite/", views.inbox, name="inbox"),
    path("nouvelle/", views.intake, name="intake"),
    path("doublons/", views.candidates, name="candidates"),
    path("<int:referral_id>/", views.detail, name="detail"),
    path("<int:referral_id>/<str:action>/", views.decide, name="decide"),
    path("<int:referral_id>/pieces/<int:attachment_id>/", views.attachment, name="attachment"),
    path("personnes/<int:person_id>/fusionner/", views.merge_pick, name="merge_pick"),
    path("personnes/<int:person_id>/fusionner/<int:other_person_id>/", views.merge, name="merge"),
    path("comite/<int:service_id>/", views.committee, name="committee"),
    path("doublons-probables/", views.duplicate_queue, name="duplicate_queue"),
    path("doublons-probables/<int:pair_id>/differentes/", views.duplicate_different, name="duplicate_different"),
    path("envoyees/", views.partner_list, name="partner_list"),
    path("envoyees/nouvelle/", views.partner_new, name="partner_new"),
    path("public/", views.public_new, name="public"),
    path("regulation/", views.regulation, name="regulation"),
    path("regulation/<int:referral_id>/", views.regulation_detail, name="regulation_detail"),
]

from django.urls import path

from .views import account, home

urlpatterns = [
    path("", home.home, name="home"),
    path("account/", account.account, name="account"),
]

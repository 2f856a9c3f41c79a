"""Catalog URLs: /products/, /products/<slug>/ and /categories/<slug>/."""

from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("products/", views.ProductListView.as_view(), name="product_list"),
    path("products/<slug:slug>/", views.ProductDetailView.as_view(), name="product"),
    path("categories/<slug:slug>/", views.ProductListView.as_view(), name="category"),
]

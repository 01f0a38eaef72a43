from django.shortcuts import render

from syllabus.models import Term, Week


def home(request):
    """The current term's sessions, with who presents what."""
    terms = Term.objects.published()
    term = terms.current()
    weeks = Week.objects.published().for_term(term).with_presentations() if term else Week.objects.none()
    return render(request, "syllabus/home.html", {"term": term, "weeks": weeks, "terms": terms})

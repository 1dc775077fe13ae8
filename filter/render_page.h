/* render_page.h - the fixed text of the HTML report, as NULL-terminated
 * lists of lines written in order by render_html: head, (title), css,
 * body up to the JSON element, (the JSON), script (js, then tl). Static data,
 * no state. */
#ifndef GODO_RENDER_PAGE_H
#define GODO_RENDER_PAGE_H

extern const char *const render_page_head[];
extern const char *const render_page_css[];
extern const char *const render_page_body[];
extern const char *const render_page_js[]; /* render_page_js.c */
extern const char *const render_page_tl[]; /* render_page_tl.c: ends it */

#endif

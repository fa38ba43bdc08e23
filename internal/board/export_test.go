package board

// RenderIn draws a page in up to n bands at once, for the test that
// bands draw what one pass draws.
var RenderIn = (*Doc).render

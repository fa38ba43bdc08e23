-- The copy of a board's picture that exports draw, scaled down once
-- (board.ScalePicture); empty until made, the picture itself when it is
-- small enough.
ALTER TABLE board_images ADD COLUMN render_key TEXT NOT NULL DEFAULT '';

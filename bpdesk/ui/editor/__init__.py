"""The network editor: a QGraphicsScene of neurons and weights that follows the document."""

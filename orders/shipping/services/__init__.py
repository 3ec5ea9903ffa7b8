"""What shops and shoppers do with shipping, one module per side (import the module):
`templates` (a shop's freight templates and the listing cards' 包邮 flags) and `delivery`
(shipping a part with a carrier, confirming receipt, the automatic confirmation)."""
